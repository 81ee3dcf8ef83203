"""PayPal activity downloads and statements (CSV) as wallet proofs.

Three layouts are declared as :class:`PayPalLayout` (header names found on the
header row, never by position):

- ``paypal_activity``: ``Date, Time, TimeZone, Name, Type, Status, Currency,
  Gross, Fee, Net, ..., Transaction ID, ..., Reference Txn ID, ...``; zones
  are abbreviations (``PST``, ``PDT``, ``CET``...);
- ``paypal_statement``: ``Date, Time, Time Zone, Description, Currency, Gross,
  ..., Transaction ID, ..., Name, ...``; zones are IANA names
  (``America/Los_Angeles``) or abbreviations;
- ``paypal_statement_es``: the Spanish statement (``Fecha, Hora, Zona
  horaria, Descripción, Divisa, Bruto, Comisión, Neto, ...``) with a decimal
  comma and a thousands dot (``4.626,81``);
- ``paypal_activity_time_zone`` and ``paypal_activity_de``: the activity
  download with a ``Time Zone`` column, and in German;
- ``paypal_activity_fr``, ``paypal_statement_fr``, ``paypal_activity_es``: the
  French activity download and statement, the Spanish activity download;
- ``paypal_activity_uk_old``: the older UK download (``Date, Time, Time Zone,
  Name, Type, Status, Currency, Amount, Receipt ID, Balance``): no
  ``Transaction ID``, so the ``Receipt ID`` is kept as ``reference``.

Where each header set comes from is written beside its declaration; a new
locale is one more :class:`PayPalLayout` (``read(..., layout=...)`` takes one
that is not registered).

Each row is one ``kind="wallet"`` proof: ``Gross`` is the amount, signed from
the account holder's side (negative = money left the PayPal account = a
payment, ``debit``; positive = ``credit``); ``Transaction ID`` is the
``wallet_txn_id``; ``Name`` is the ``merchant_text``; ``Status`` goes to
``payment_state`` (only ``Completed`` is ``success``). The time is exact and
timezone-aware: each row's zone cell is read as an explicit UTC offset
(:data:`ZONE_ABBREVIATIONS`) or an IANA zone. ``Reference Txn ID``, fees, net
and balance stay in ``raw``.

Rows that are not payments (currency conversions, card and bank funding,
withdrawals, holds, authorisations; :data:`NON_PAYMENT_TYPES`) are left out
and listed in ``frame.attrs["skipped"]``. The date order (DD/MM or MM/DD,
which follows the account's locale) is a parameter; see :func:`date_order`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from receiptkit.errors import ProofError, ReceiptkitError, TimeParseError
from receiptkit.pan import _PAN_HINT_PATTERN, mask_pans_in_text
from receiptkit.readers.proofbase import NO_ROWS, finish, payment_state
from receiptkit.readers.protocol import Head
from receiptkit.readers.spec import TableSpec
from receiptkit.readers.spec import detect as detect_layout
from receiptkit.readers.table import (
    Col,
    Problem,
    RawTable,
    _read_bytes,
    convert,
    problems_frame,
    source_name,
)
from receiptkit.schema import STRING
from receiptkit.timeparse import _YEARS, resolve_tz

__all__ = [
    "ACTIVITY",
    "ACTIVITY_DE",
    "ACTIVITY_ES",
    "ACTIVITY_FR",
    "ACTIVITY_TIME_ZONE",
    "ACTIVITY_UK_OLD",
    "LAYOUTS",
    "NON_PAYMENT_TYPES",
    "PAYPAL_ROLES",
    "STATEMENT",
    "STATEMENT_ES",
    "STATEMENT_FR",
    "STATUS_STATES",
    "ZONE_ABBREVIATIONS",
    "PayPalLayout",
    "date_order",
    "paypal_state",
    "read",
    "sniff",
]

#: Zone abbreviations PayPal writes, as the fixed UTC offsets they name. An
#: abbreviation names one offset (``CET`` is +01:00 even in July, when the row
#: would say ``CEST``), so no daylight-saving rule is applied to it. ``CST`` is
#: US Central (PayPal's US abbreviations); pass ``zones=`` to change any entry.
ZONE_ABBREVIATIONS: Mapping[str, str] = {
    "UTC": "+00:00",
    "GMT": "+00:00",
    "Z": "+00:00",
    "HST": "-10:00",
    "AKST": "-09:00",
    "AKDT": "-08:00",
    "PST": "-08:00",
    "PDT": "-07:00",
    "MST": "-07:00",
    "MDT": "-06:00",
    "CST": "-06:00",
    "CDT": "-05:00",
    "EST": "-05:00",
    "EDT": "-04:00",
    "NST": "-03:30",
    "NDT": "-02:30",
    "WET": "+00:00",
    "WEST": "+01:00",
    "BST": "+01:00",
    "CET": "+01:00",
    "CEST": "+02:00",
    "MEZ": "+01:00",
    "MESZ": "+02:00",
    "EET": "+02:00",
    "EEST": "+03:00",
    "MSK": "+03:00",
    "HKT": "+08:00",
    "SGT": "+08:00",
    "AWST": "+08:00",
    "JST": "+09:00",
    "KST": "+09:00",
    "ACST": "+09:30",
    "ACDT": "+10:30",
    "AEST": "+10:00",
    "AEDT": "+11:00",
    "NZST": "+12:00",
    "NZDT": "+13:00",
}

#: Transaction types (``Type`` / ``Description`` / ``Descripción``) that move money
#: inside the account holder's own accounts, not to or from someone else: currency
#: conversions, bank and card funding, withdrawals, holds and their releases,
#: authorisations (the payment itself is another row). Matched case-insensitively.
NON_PAYMENT_TYPES = (
    r"currency conversion|conversi[oó]n de divisa|deposit|dep[oó]sito|withdraw|retirada|retiro"
    r"|transfer (?:to|from) (?:a )?bank|add(?:ed)? funds|\bhold\b|\brelease\b|retenci[oó]n|liberaci[oó]n"
    r"|authori[sz]ation|autorizaci[oó]n"
    r"|währungsumrechnung|bankgutschrift|einbehalt|autorisierung"
    r"|conversion de devise|autorisation|approvisionnement|retrait"
)

#: PayPal status words -> ``payment_state``; other words go through
#: :func:`~receiptkit.readers.proofbase.payment_state`.
STATUS_STATES: Mapping[str, str] = {
    "completed": "success",
    "cleared": "success",
    "completado": "success",
    "pending": "pending",
    "held": "pending",
    "placed": "pending",
    "uncleared": "pending",
    "unclaimed": "pending",
    "pendiente": "pending",
    "refunded": "refunded",
    "reversed": "refunded",
    "reembolsado": "refunded",
    "partially refunded": "partially_refunded",
    "denied": "failed",
    "failed": "failed",
    "declined": "failed",
    "denegado": "failed",
    "canceled": "closed",
    "cancelled": "closed",
    "voided": "closed",
    "expired": "closed",
    "returned": "closed",
    "removed": "closed",
    "cancelado": "closed",
    "abgeschlossen": "success",
    "ausstehend": "pending",
    "erstattet": "refunded",
    "rückerstattet": "refunded",
    "teilweise erstattet": "partially_refunded",
    "abgelehnt": "failed",
    "storniert": "closed",
    "terminé": "success",
    "en attente": "pending",
    "remboursé": "refunded",
    "partiellement remboursé": "partially_refunded",
    "refusé": "failed",
    "annulé": "closed",
}


def paypal_state(text: object) -> str | None:
    """Classify a PayPal ``Status`` into ``payment_state`` (only completed payments are ``success``).

    >>> [paypal_state(t) for t in ("Completed", "Pending", "Reversed", "Denied", "Partially Refunded")]
    ['success', 'pending', 'refunded', 'failed', 'partially_refunded']
    """
    if not isinstance(text, str) or not text.strip():
        return None
    return STATUS_STATES.get(text.strip().lower()) or payment_state(text)


#: The roles a :class:`PayPalLayout` may declare in ``fields``.
PAYPAL_ROLES: frozenset[str] = frozenset(
    {
        "date",
        "time",
        "zone",
        "type",
        "amount",
        "currency",
        "merchant_text",
        "wallet_txn_id",
        "reference",
        "state",
    }
)
#: Roles read by :func:`read` itself (per-row zones, payment types), not by the field converter.
_OWN_ROLES = ("date", "time", "zone", "type")


@dataclass(frozen=True, init=False)
class PayPalLayout(TableSpec):
    """One PayPal CSV layout, declared (a :class:`~receiptkit.readers.spec.TableSpec`).

    ``header`` names must all be on the header row (they find it and sniff
    the layout). ``fields`` maps roles (:data:`PAYPAL_ROLES`) to columns:
    ``date``, ``time``, ``zone`` (the row's time zone) and ``type`` (the
    transaction type, for :data:`NON_PAYMENT_TYPES`) are read here;
    ``amount`` and ``currency`` (required) and ``merchant_text``,
    ``wallet_txn_id``, ``reference`` and ``state`` (when the layout has them)
    by the field converter. A column may have several aliases
    (``Col("Brut", "Avant commission")``): the first present in the file is
    read, and a file with none of the amount's columns is refused at its
    header line. The older constructor arguments ``date=``, ``time=``,
    ``zone=`` and ``type=`` (one column name each) still work, and
    ``layout.date`` etc. still give those column names.
    ``dayfirst`` is the date order used when the dates do not decide it
    (``None``: ask). ``decimal_comma`` reads ``1.234,56``.
    """

    ROLES = PAYPAL_ROLES
    TARGET = "proofs"

    dayfirst: bool | None = None

    def __init__(
        self,
        name: str,
        header: Sequence[str] = (),
        date: str | None = None,
        time: str | None = None,
        zone: str | None = None,
        type: str | None = None,
        fields: Mapping[str, Col] | None = None,
        decimal_comma: bool = False,
        dayfirst: bool | None = None,
        description: str = "",
        *,
        required: Sequence[str] = ("amount", "currency"),
        **options: Any,
    ) -> None:
        """``options``: the other :class:`~receiptkit.readers.spec.TableSpec` fields (``tz``,
        ``currency``, ``encodings``, ``skip_prefixes``, ``stop_at``, ``combine``, ``sniff_text``,
        ``preamble``)."""
        # the positional order is the one PayPalLayout always had; date/time/zone/type name one column each
        merged = dict(fields or {})
        for role, column in (("date", date), ("time", time), ("zone", zone), ("type", type)):
            if column is None:
                continue
            if role in merged and merged[role].names[:1] != (column,):
                raise TypeError(f"PayPalLayout {name!r}: {role}= and fields[{role!r}] disagree")
            merged[role] = Col(column)
        for role in _OWN_ROLES:
            if role not in merged:
                raise TypeError(
                    f"PayPalLayout {name!r}: no column for {role!r} (give {role}= or fields[{role!r}])"
                )
        self._assign(
            name=name,
            header=header,
            fields=merged,
            description=description,
            dayfirst=dayfirst,
            decimal_comma=decimal_comma,
            required=required,
            **options,
        )
        missing = self.missing_roles()
        if missing:
            raise ValueError(
                f"PayPalLayout {name!r}: required role(s) without a column: {', '.join(missing)}"
            )

    @property
    def date(self) -> str:
        """The date column (the first alias of the ``date`` role)."""
        return self.fields["date"].names[0]

    @property
    def time(self) -> str:
        """The time-of-day column."""
        return self.fields["time"].names[0]

    @property
    def zone(self) -> str:
        """The time-zone column."""
        return self.fields["zone"].names[0]

    @property
    def type(self) -> str:
        """The transaction-type column."""
        return self.fields["type"].names[0]

    def bound(self, columns: Iterable[str]) -> PayPalLayout:
        """This layout with each of date/time/zone/type narrowed to the alias ``columns`` has."""
        present = list(columns)
        narrowed = {role: Col(self.source_column(role, present)) for role in _OWN_ROLES}
        return self.variant(self.name, fields=narrowed)


#: English activity download: the 2018 default columns (``Date, Time, TimeZone, Name, Type, Status,
#: Currency, Gross, Fee, Net, From Email Address, To Email Address, Transaction ID, ..., Reference Txn ID,
#: ..., Receipt ID, Balance, ...``) as hledger's PayPal rules and the OCA/hledger samples write them.
_ENGLISH_FIELDS: Mapping[str, Col] = {
    "amount": Col("Gross", kind="amount"),
    "currency": Col("Currency", kind="currency"),
    "merchant_text": Col("Name"),
    "wallet_txn_id": Col("Transaction ID"),
    "state": Col("Status"),
}

ACTIVITY = PayPalLayout(
    "paypal_activity",
    header=("Date", "Time", "TimeZone", "Name", "Type", "Status", "Currency", "Gross", "Transaction ID"),
    date="Date",
    time="Time",
    zone="TimeZone",
    type="Type",
    fields=_ENGLISH_FIELDS,
    description="PayPal activity download (English)",
)

STATEMENT = PayPalLayout(
    "paypal_statement",
    header=("Date", "Time", "Time Zone", "Description", "Currency", "Gross", "Transaction ID"),
    date="Date",
    time="Time",
    zone="Time Zone",
    type="Description",
    fields=_ENGLISH_FIELDS,
    description="PayPal statement CSV (English; IANA zone names)",
)

STATEMENT_ES = PayPalLayout(
    "paypal_statement_es",
    header=("Fecha", "Hora", "Zona horaria", "Descripción", "Divisa", "Bruto", "Id. de transacción"),
    date="Fecha",
    time="Hora",
    zone="Zona horaria",
    type="Descripción",
    fields={
        "amount": Col("Bruto", kind="amount"),
        "currency": Col("Divisa", kind="currency"),
        "merchant_text": Col("Nombre"),
        "wallet_txn_id": Col("Id. de transacción"),
        "state": Col("Estado"),
    },
    decimal_comma=True,
    dayfirst=True,  # Spanish-language locales write the day first
    description="PayPal statement CSV (Spanish; decimal comma)",
)

#: The activity download as some accounts get it: ``Time Zone`` (two words) and no ``Description``.
ACTIVITY_TIME_ZONE = PayPalLayout(
    "paypal_activity_time_zone",
    header=("Date", "Time", "Time Zone", "Name", "Type", "Status", "Currency", "Gross", "Transaction ID"),
    date="Date",
    time="Time",
    zone="Time Zone",
    type="Type",
    fields=_ENGLISH_FIELDS,
    description="PayPal activity download (English) with a 'Time Zone' column",
)

#: German activity download: decimal comma, day first. Source of the names: the German column table of
#: the public beancount-paypal importer (``Datum, Uhrzeit, Zeitzone, Name, Typ, Status, Währung, Brutto,
#: Gebühr, Netto, Absender E-Mail-Adresse, Empfänger E-Mail-Adresse, Transaktionscode, Zugehöriger
#: Transaktionscode, Empfangsnummer``, dates ``%d.%m.%Y``).
ACTIVITY_DE = PayPalLayout(
    "paypal_activity_de",
    header=("Datum", "Uhrzeit", "Zeitzone", "Name", "Typ", "Status", "Währung", "Brutto", "Transaktionscode"),
    date="Datum",
    time="Uhrzeit",
    zone="Zeitzone",
    type="Typ",
    fields={
        "amount": Col("Brutto", kind="amount"),
        "currency": Col("Währung", kind="currency"),
        "merchant_text": Col("Name"),
        "wallet_txn_id": Col("Transaktionscode"),
        "state": Col("Status"),
    },
    decimal_comma=True,
    dayfirst=True,  # German locales write the day first (31.01.2026)
    description="PayPal activity download (German; decimal comma)",
)

#: French activity download. Sources of the names: a French-account activity export read by
#: public importers (``Date, Heure, Fuseau horaire, Nom, Titre de l'objet, Net`` with ``État`` values
#: ``Terminé``/``En attente`` and ``Impact sur le solde``; the gross column is ``Brut`` in some
#: exports, ``Avant commission`` in others, with ``Numéro de transaction``). Day first, decimal comma.
ACTIVITY_FR = PayPalLayout(
    "paypal_activity_fr",
    header=("Date", "Heure", "Fuseau horaire", "Nom", "Type", "État", "Devise", "Numéro de transaction"),
    date="Date",
    time="Heure",
    zone="Fuseau horaire",
    type="Type",
    fields={
        "amount": Col("Brut", "Avant commission", kind="amount"),
        "currency": Col("Devise", kind="currency"),
        "merchant_text": Col("Nom"),
        "wallet_txn_id": Col("Numéro de transaction"),
        "state": Col("État"),
    },
    decimal_comma=True,
    dayfirst=True,  # French locales write the day first (31/01/2026)
    description="PayPal activity download (French; decimal comma)",
)

#: French statement CSV. Source: the header list of OCA/bank-statement-import's former
#: ``account_bank_statement_import_paypal`` (``Date, Heure, Fuseau horaire, Description, Devise,
#: Avant commission, Commission, Net, Solde, Numéro de transaction, Adresse email de l'expéditeur,
#: Nom, ..., Numéro de la transaction de référence``), the French twin of the English statement.
STATEMENT_FR = PayPalLayout(
    "paypal_statement_fr",
    header=(
        "Date",
        "Heure",
        "Fuseau horaire",
        "Description",
        "Devise",
        "Avant commission",
        "Numéro de transaction",
    ),
    date="Date",
    time="Heure",
    zone="Fuseau horaire",
    type="Description",
    fields={
        "amount": Col("Avant commission", kind="amount"),
        "currency": Col("Devise", kind="currency"),
        "merchant_text": Col("Nom"),
        "wallet_txn_id": Col("Numéro de transaction"),
    },
    decimal_comma=True,
    dayfirst=True,
    description="PayPal statement CSV (French; decimal comma)",
)

#: Spanish activity download. Sources: the Spanish statement sample (OCA, ``Fecha, Hora, Zona
#: horaria, ..., Divisa, Bruto, Comisión, Neto, ..., Id. de transacción``) for the shared names, and a
#: public importer's Spanish activity fixture for ``Nombre, Tipo, Estado, Bruto, Tarifa, Neto``
#: (``Completado``). Spain writes a decimal comma; a Latin-American account writing ``1,234.56``
#: is refused cell by cell (``read(..., decimal_comma=False)`` reads it).
ACTIVITY_ES = PayPalLayout(
    "paypal_activity_es",
    header=(
        "Fecha",
        "Hora",
        "Zona horaria",
        "Nombre",
        "Tipo",
        "Estado",
        "Divisa",
        "Bruto",
        "Id. de transacción",
    ),
    date="Fecha",
    time="Hora",
    zone="Zona horaria",
    type="Tipo",
    fields={
        "amount": Col("Bruto", kind="amount"),
        "currency": Col("Divisa", kind="currency"),
        "merchant_text": Col("Nombre"),
        "wallet_txn_id": Col("Id. de transacción"),
        "state": Col("Estado"),
    },
    decimal_comma=True,
    dayfirst=True,
    description="PayPal activity download (Spanish; decimal comma)",
)

#: The older UK download. Source: the header a public beancount importer identifies PayPal CSVs by
#: (``Date, Time, Time Zone, Name, Type, Status, Currency, Amount, Receipt ID, Balance``; names
#: written with a space after each comma). No ``Transaction ID``: the ``Receipt ID`` is the
#: proof's ``reference`` and ``wallet_txn_id`` stays empty.
ACTIVITY_UK_OLD = PayPalLayout(
    "paypal_activity_uk_old",
    header=("Date", "Time", "Time Zone", "Name", "Type", "Status", "Currency", "Amount", "Receipt ID"),
    date="Date",
    time="Time",
    zone="Time Zone",
    type="Type",
    fields={
        "amount": Col("Amount", kind="amount"),
        "currency": Col("Currency", kind="currency"),
        "merchant_text": Col("Name"),
        "reference": Col("Receipt ID"),
        "state": Col("Status"),
    },
    description="PayPal download, older UK layout (Amount, Receipt ID; no Transaction ID)",
)

#: Every layout, in sniffing order (a layout before another whose names are a subset of its own).
LAYOUTS: dict[str, PayPalLayout] = {
    layout.name: layout
    for layout in (
        ACTIVITY,
        ACTIVITY_TIME_ZONE,
        STATEMENT,
        ACTIVITY_ES,
        STATEMENT_ES,
        ACTIVITY_DE,
        ACTIVITY_FR,
        STATEMENT_FR,
        ACTIVITY_UK_OLD,
    )
}


def detect(head: Head | str) -> PayPalLayout | None:
    """The layout whose header row (comma- or tab-separated) is among the first rows of ``head``, the
    most specific when several are (:func:`receiptkit.readers.spec.detect`), or None."""
    return detect_layout(LAYOUTS.values(), head)


def sniff(head: Head | str) -> bool:
    """True when ``head`` (a :class:`~receiptkit.readers.protocol.Head` or decoded text) holds a PayPal
    activity or statement header row."""
    return detect(head) is not None


# --------------------------------------------------------------------------- dates and zones

_DMY = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})\s*$")
_YMD = re.compile(r"^\s*(\d{4})[/.-](\d{1,2})[/.-](\d{1,2})\s*$")
_HMS = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*$")


def date_order(
    dates: pd.Series,
    lines: np.ndarray,
    *,
    dayfirst: bool | None,
    default: bool | None,
    name: str,
    column: str,
) -> bool:
    """Decide whether ``dates`` are DD/MM/YYYY (True) or MM/DD/YYYY (False).

    An explicit ``dayfirst`` wins. Otherwise a first field above 12 anywhere
    means day first, a second field above 12 means month first (both in one
    file is an error naming the line that contradicts the other), and when
    every field is 12 or less the layout's ``default`` decides; without one
    the order is ambiguous and a :class:`ProofError` names the file and asks
    for ``dayfirst=``. ISO dates (``2026-01-31``) need no decision.
    """
    if dayfirst is not None:
        return dayfirst
    parts = dates.str.extract(_DMY.pattern).iloc[:, :2].apply(pd.to_numeric, errors="coerce")
    day_first = (parts[0] > 12).fillna(False).to_numpy(dtype=bool)  # empty dates are reported later
    month_first = (parts[1] > 12).fillna(False).to_numpy(dtype=bool)
    if day_first.any() and month_first.any():
        a, b = int(np.argmax(day_first)), int(np.argmax(month_first))
        later, earlier, reading = (b, a, "DD/MM") if b > a else (a, b, "MM/DD")
        raise ProofError(
            f"dates are written both ways: line {int(lines[earlier])} can only be {reading}/YYYY, "
            "this one only the other order",
            file=name,
            row=int(lines[later]),
            column=column,
            value=dates.iloc[later],
        )
    if day_first.any():
        return True
    if month_first.any():
        return False
    if default is not None:
        return default
    numeric = parts[0].notna().to_numpy(dtype=bool)
    if not numeric.any():
        return False  # ISO or unreadable dates: no order to decide (bad cells are reported later)
    first = int(np.argmax(numeric))
    raise ProofError(
        "date order is ambiguous (no day above 12 in the file): pass dayfirst=True for DD/MM/YYYY "
        "or dayfirst=False for MM/DD/YYYY",
        file=name,
        row=int(lines[first]),
        column=column,
        value=dates.iloc[first],
    )


def _zone(text: str, zones: Mapping[str, str]) -> dt.tzinfo:
    offset = zones.get(text.upper())
    if offset is not None:
        tzinfo = resolve_tz(offset)
        assert tzinfo is not None
        return dt.timezone(tzinfo.utcoffset(None), text.upper())  # type: ignore[arg-type]
    tzinfo = resolve_tz(text)
    if tzinfo is None:
        raise TimeParseError("unknown time zone", value=text)
    return tzinfo


def _local_times(
    frame: pd.DataFrame,
    layout: PayPalLayout,
    lines: np.ndarray,
    *,
    dayfirst: bool,
    zones: Mapping[str, str],
    default_zone: str | None,
    problems: list[Problem],
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """``(ts in UTC, local date, precision)``: each row in the zone its own cell names."""
    index = frame.index
    dates = frame[layout.date]
    # plain float64 (NaN for no match): pandas 3 gives nullable Float64 here, and filling a float64
    # column with a FloatingArray is deprecated (it will raise in a later pandas)
    dmy = dates.str.extract(_DMY.pattern).apply(pd.to_numeric, errors="coerce").astype("float64")
    ymd = dates.str.extract(_YMD.pattern).apply(pd.to_numeric, errors="coerce").astype("float64")
    day, month = (dmy[0], dmy[1]) if dayfirst else (dmy[1], dmy[0])
    # a 2-digit year (1/15/24) is 20yy up to next year, else 19yy (PayPal began in 1998)
    pivot = pd.Timestamp.now().year % 100 + 1
    two_digit = dates.str.extract(_DMY.pattern)[2].str.len().eq(2).fillna(False)
    years = pd.to_numeric(dmy[2], errors="coerce").astype("float64")
    year = years.where(~two_digit.to_numpy(dtype=bool), years + np.where(years <= pivot, 2000, 1900))
    parts = pd.DataFrame(
        {
            "year": year.fillna(ymd[0]),
            "month": month.fillna(ymd[1]),
            "day": day.fillna(ymd[2]),
        }
    )
    clock = frame[layout.time].str.extract(_HMS.pattern).apply(pd.to_numeric, errors="coerce")
    # 25:61:00 is not a time: out-of-range fields are refused, never rolled over into the next day
    in_range = (clock[0] <= 23) & (clock[1] <= 59) & (clock[2].isna() | (clock[2] <= 59))
    clock = clock.where(in_range.fillna(False), axis=0)
    has_clock = clock[0].notna() & clock[1].notna()
    hms = clock.fillna(0)
    # a year outside timeparse's range (1970-2199) is refused, naming the cell: 9999-12-31 and 0001-01-02 are
    # outside every nanosecond timestamp and crashed the reader (clean-room intake, seeds 15-16)
    low, high = _YEARS
    far = parts["year"].notna() & ((parts["year"] < low) | (parts["year"] > high))
    for position in np.flatnonzero(far.to_numpy()):
        year = int(parts["year"].iloc[position])
        problems.append(
            Problem(
                int(lines[position]),
                layout.date,
                dates.iloc[position],
                f"year {year} is outside {low}-{high}",
            )
        )
    parts.loc[far, "year"] = np.nan
    # float with NaN for empty cells: to_datetime refuses nullable integers that hold <NA>
    naive_day = pd.to_datetime(parts.astype("float64"), errors="coerce")
    naive = naive_day + pd.to_timedelta(hms[0] * 3600 + hms[1] * 60 + hms[2], unit="s")
    order = "DD/MM/YYYY" if dayfirst else "MM/DD/YYYY"
    for position in np.flatnonzero((naive_day.isna() & ~far).to_numpy()):
        value = dates.iloc[position]
        reason = "empty date" if value is pd.NA else f"not a valid date as {order}"
        problems.append(Problem(int(lines[position]), layout.date, value, reason))
    bad_clock = frame[layout.time].notna() & ~has_clock
    for position in np.flatnonzero(bad_clock.to_numpy()):
        problems.append(
            Problem(
                int(lines[position]),
                layout.time,
                frame[layout.time].iloc[position],
                "not a time (HH:MM or HH:MM:SS, hours 0-23, minutes and seconds 0-59)",
            )
        )
    ts = pd.Series(pd.NaT, index=index, dtype="datetime64[ns, UTC]")
    zone_cells = frame[layout.zone] if layout.zone in frame.columns else pd.Series(pd.NA, index=index)
    zone_cells = zone_cells.astype(STRING)
    if default_zone is not None:
        zone_cells = zone_cells.fillna(default_zone)
    for position in np.flatnonzero((zone_cells.isna() & has_clock).to_numpy()):
        problems.append(Problem(int(lines[position]), layout.zone, None, "no time zone (give tz=)"))
    timed = has_clock & naive.notna()
    for text in zone_cells[timed & zone_cells.notna()].unique():
        rows = (zone_cells == text).fillna(False) & timed
        try:
            tzinfo = _zone(str(text), zones)
        except TimeParseError as exc:
            for position in np.flatnonzero(rows.to_numpy()):
                problems.append(Problem(int(lines[position]), layout.zone, text, exc.reason))
            continue
        local = naive[rows].dt.tz_localize(tzinfo, ambiguous="NaT", nonexistent="NaT")
        for label in local.index[local.isna()]:
            position = index.get_loc(label)
            problems.append(
                Problem(
                    int(lines[position]),
                    layout.time,
                    f"{dates.iloc[position]} {frame[layout.time].iloc[position]} {text}",
                    "local time is ambiguous or does not exist (daylight-saving change)",
                )
            )
        ts[rows] = local.dt.tz_convert("UTC")
    precision = pd.Series("second", index=index, dtype=STRING)
    precision = precision.mask(clock[2].isna(), "minute").mask(~timed, "day")
    return ts, naive_day.dt.normalize().astype("datetime64[ns]"), precision


# --------------------------------------------------------------------------- reading


# a run of 12+ digits (any script, grouped) or a card grouped by dots, slashes or underscores: pan.might_hold_pan
_LONG_DIGITS = _PAN_HINT_PATTERN


def _raw_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The source cells of each row, full card numbers masked (only cells with long digit runs are checked)."""
    cells = frame.copy()
    for column in cells.columns:
        hint = cells[column].str.contains(_LONG_DIGITS, regex=True, na=False)
        if hint.any():
            cells.loc[hint, column] = cells.loc[hint, column].map(mask_pans_in_text)
    return cells.astype(object).where(cells.notna(), None).to_dict("records")


def _skip_rows(raw: RawTable, layout: PayPalLayout, skip_types: str | None) -> tuple[RawTable, list[Problem]]:
    """Leave out the rows whose type is not a payment; report them."""
    if not skip_types or layout.type not in raw.frame.columns:
        return raw, []
    types = raw.frame[layout.type]
    hit = types.str.contains(skip_types, case=False, regex=True, na=False).to_numpy(dtype=bool)
    skipped = [
        Problem(int(raw.lines[p]), layout.type, types.iloc[p], "not a payment (conversion, funding or hold)")
        for p in np.flatnonzero(hit)
    ]
    kept = raw.frame[~hit].reset_index(drop=True)
    return replace(raw, frame=kept, lines=raw.lines[~hit]), skipped


def _optional(converted: pd.DataFrame, key: str) -> pd.Series:
    """A converted text field, or an empty one when the layout has no such column."""
    if key in converted:
        return converted[key]
    return pd.Series(pd.NA, index=converted.index, dtype=STRING)


def read(
    source: Any,
    *,
    tz: str | None = None,
    strict: bool = True,
    dayfirst: bool | None = None,
    layout: str | PayPalLayout | None = None,
    skip_types: str | None = NON_PAYMENT_TYPES,
    zones: Mapping[str, str] | None = None,
    decimal_comma: bool | None = None,
    name: str | None = None,
    **_: Any,
) -> pd.DataFrame:
    """Read a PayPal activity download or statement CSV into the canonical proofs frame.

    - ``dayfirst``: ``True`` for DD/MM/YYYY, ``False`` for MM/DD/YYYY, ``None``
      (default) to decide from the file (:func:`date_order`); the order used is
      in ``frame.attrs["date_order"]``.
    - ``tz``: zone of the result's ``ts`` (default UTC) and of rows whose zone
      cell is empty; a zone written in the row always wins.
    - ``layout``: one of :data:`LAYOUTS` (sniffed from the header when None).
    - ``skip_types``: regular expression of transaction types that are not
      payments (default :data:`NON_PAYMENT_TYPES`); ``None`` reads every row.
    - ``zones``: extra or replacement zone abbreviations (``{"IST": "+05:30"}``).
    - ``decimal_comma``: read ``1.234,56`` (True) or ``1,234.56`` (False);
      default: the layout's.

    Raises :class:`ProofError` (file, line, column, value) for a bad cell
    (``strict=True``), for a file with no transactions and for an ambiguous
    date order.
    """
    name = name or source_name(source)
    data = _read_bytes(source)
    chosen = LAYOUTS.get(layout) if isinstance(layout, str) else layout
    if chosen is None:
        head = Head(data, name)
        chosen = detect(head)
        if chosen is None:
            lines = head.text.splitlines()
            row = next((i for i, line in enumerate(lines) if line.strip()), 0)
            raise ProofError(
                "not a known PayPal CSV layout: no row holds the header names of a layout in "
                "receiptkit.readers.paypal.LAYOUTS (declare a PayPalLayout for it, see docs/proofs.md)",
                file=name,
                row=row + 1,
                value=mask_pans_in_text(lines[row][:200]) if lines else None,
            )
    try:
        raw = chosen.read_raw(data, name=name)
    except ReceiptkitError as exc:
        raise ProofError(exc.reason, file=exc.file or name, row=exc.row or 1, value=exc.value) from None
    chosen = chosen.bound(raw.frame.columns)
    if raw.frame.empty:
        raise ProofError(NO_ROWS, file=name, row=raw.header_line)
    for key in chosen.required:
        names = chosen.fields[key].names
        if not any(n in raw.frame.columns for n in names):
            raise ProofError(
                f"no {' or '.join(names)} column in the header ({chosen.name})",
                file=name,
                row=raw.header_line,
                column=names[0],
            )
    order = date_order(
        raw.frame[chosen.date],
        raw.lines,
        dayfirst=dayfirst,
        default=chosen.dayfirst,
        name=name,
        column=chosen.date,
    )
    raw, skipped = _skip_rows(raw, chosen, skip_types)
    if raw.frame.empty:
        raise ProofError(
            f"no payments in the file: all {len(skipped)} row(s) are conversions, funding or holds",
            file=name,
            row=raw.header_line,
        )
    all_zones = {**ZONE_ABBREVIATIONS, **{k.upper(): v for k, v in (zones or {}).items()}}
    comma = chosen.decimal_comma if decimal_comma is None else decimal_comma
    fields = {role: column for role, column in chosen.fields.items() if role not in _OWN_ROLES}
    converted, problems = convert(raw, fields, tz="UTC", decimal_comma=comma)
    ts, day, precision = _local_times(
        raw.frame, chosen, raw.lines, dayfirst=order, zones=all_zones, default_zone=tz, problems=problems
    )
    signed = converted["amount"]
    canonical = pd.DataFrame(
        {
            "source_row": pd.array(raw.lines, dtype="Int64"),
            "kind": "wallet",
            "ts": ts,
            "ts_precision": precision,
            "date": day,
            "amount_minor": signed.abs(),
            "currency": converted["currency"],
            "direction": pd.Series(
                np.where((signed < 0).fillna(False), "debit", "credit"), index=raw.frame.index, dtype=STRING
            ),
            "merchant_text": _optional(converted, "merchant_text"),
            "wallet_txn_id": _optional(converted, "wallet_txn_id"),
            "reference": _optional(converted, "reference"),
            "raw": _raw_records(raw.frame),
            "payment_state": _optional(converted, "state").map(paypal_state).astype(STRING),
        },
        index=raw.frame.index,
    )
    frame = finish(canonical, name, problems, strict=strict, tz=tz or "UTC")
    frame.attrs["skipped"] = problems_frame(skipped, name)
    frame.attrs["date_order"] = "DD/MM/YYYY" if order else "MM/DD/YYYY"
    frame.attrs["layout"] = chosen.name
    return frame
