r"""One declarative base for every table layout: :class:`TableSpec` and its columns.

Journal presets (:class:`~receiptkit.readers.presets.JournalPreset`), proof
specs (:class:`~receiptkit.readers.proofbase.ProofSpec`), settlement specs
(:class:`~receiptkit.readers.settlement.SettlementSpec`) and PayPal layouts
(:class:`~receiptkit.readers.paypal.PayPalLayout`) are all a :class:`TableSpec`:
they name the same things the same way. In the spirit of beangulp's ``csvbase``,
a layout is declared, not coded:

- ``header``: column names that must all be on one row. They find the header
  row by its content (never by a line number, so preambles of any length are
  skipped) and they recognise the layout when sniffing.
- ``fields``: *role* -> :class:`Column`. The role is what the column means to
  the reader (``ts``, ``amount``, ``merchant_text`` ...; each spec class lists
  its roles in ``ROLES``); the column names its header aliases, tried in order
  (per row the first non-empty one wins), and its parser (``kind``: ``text``,
  ``amount``, ``time``, ``currency``, ``last4``, plus ``values``/``default``
  mappings, ``fmt``, ``regex`` and ``const``). Roles starting with ``_`` are
  helpers for a layout's hook. An unknown role is refused when the spec is
  declared, not ignored when a file is read.
- parsing options shared by every layout: ``tz`` (zone of naive times),
  ``currency`` (when a row has none), ``dayfirst``, ``decimal_comma``.
- file options: ``encodings`` (tried in order), ``skip_prefixes`` (comment
  rows), ``stop_at`` (a regular expression on the first cell that ends the
  table: summary trailers), ``combine`` (helper columns made by joining source
  columns with a space, such as a date and a time column), ``sniff_text``
  (words that must also occur near the top of the file), ``complete_tail`` (a
  regular expression the last cell of the last row must match in full when the
  file does not end with a line break; without it such a row is refused as
  possibly cut).
- ``required``: roles whose column must be in the file (the rest are optional:
  a role whose columns are all absent is left empty).
- ``preamble``: role -> regular expression whose group 1, found in the lines
  above the header (a statement's title block), fills that role in the rows
  that have none (``{"card_last4": r"卡号[:：]\s*[\d*]*(\d{4})"}``).

A new variant of a known layout costs a few lines, usually a
:func:`dataclasses.replace` of an existing spec (``spec.variant(...)``)::

    >>> from receiptkit.readers.bank_csv import CMB_CREDIT
    >>> cmb_2026 = CMB_CREDIT.variant("cmb_credit_2026", header=("交易日期", "记账日期", "交易摘要", "人民币金额"),
    ...     fields={"date": Column("交易日期", kind="time"), "posted": Column("记账日期", kind="time")})
    >>> cmb_2026.fields["amount"].names, cmb_2026.sign
    (('人民币金额',), 'positive_debit')
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from dataclasses import KW_ONLY, dataclass, field
from typing import Any, ClassVar, Self, TypeVar

from receiptkit.readers.protocol import Head
from receiptkit.readers.table import Col, RawTable, read_table, source_name

__all__ = ["DEFAULT_ENCODINGS", "Col", "Column", "TableSpec", "as_head", "detect"]

#: Encodings tried in order when a layout names none: UTF-8 (with or without BOM), then GB18030 (a superset of GBK).
DEFAULT_ENCODINGS: tuple[str, ...] = ("utf-8-sig", "gb18030")

#: A column of a layout: header aliases, parser (``kind``) and value mapping. The same class as
#: :class:`receiptkit.readers.table.Col`, under the name the specs' docs use.
Column = Col


@dataclass(frozen=True)
class TableSpec:
    """One table layout, declared (see the module docs for the vocabulary).

    Subclasses add what is particular to their target (the journal's
    ``defaults`` and ``finish`` hook, a proof's ``sign`` and ``kind``, a
    settlement's ``per_transaction``) and list the roles their ``fields``
    may use in ``ROLES`` (``None``: any role).
    """

    #: Roles a spec of this class may declare in ``fields`` (besides helper roles starting with ``_``).
    ROLES: ClassVar[frozenset[str] | None] = None
    #: Which reader family the spec belongs to: ``journal``, ``proofs`` or ``settlement``.
    TARGET: ClassVar[str] = ""
    #: Roles a spec of this class may read from the lines above the header (``preamble``).
    PREAMBLE_ROLES: ClassVar[frozenset[str]] = frozenset()

    name: str
    _: KW_ONLY
    header: tuple[str, ...] = ()
    fields: Mapping[str, Col] = field(default_factory=dict)
    description: str = ""
    tz: str | None = None
    currency: str | None = None
    encodings: tuple[str, ...] = DEFAULT_ENCODINGS
    skip_prefixes: tuple[str, ...] = ("#",)
    stop_at: str | None = None
    combine: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    dayfirst: bool | None = False
    decimal_comma: bool = False
    sniff_text: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    preamble: Mapping[str, str] = field(default_factory=dict)
    complete_tail: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "header", tuple(self.header))
        object.__setattr__(self, "required", tuple(self.required))
        object.__setattr__(self, "encodings", tuple(self.encodings))
        object.__setattr__(self, "skip_prefixes", tuple(self.skip_prefixes))
        object.__setattr__(self, "sniff_text", tuple(self.sniff_text))
        for role, column in self.fields.items():
            if not isinstance(column, Col):
                raise TypeError(f"{type(self).__name__} {self.name!r}: field {role!r} is not a Column")
        roles = self.ROLES
        if roles is not None:
            unknown = [r for r in self.fields if not r.startswith("_") and r not in roles]
            if unknown:
                raise ValueError(
                    f"{type(self).__name__} {self.name!r}: unknown role(s) {', '.join(map(repr, unknown))}; "
                    f"known roles: {', '.join(sorted(roles))} (helper roles start with '_')"
                )
        if self.stop_at is not None:
            re.compile(self.stop_at)  # a bad pattern is refused when declared, not when a file is read
        for role, pattern in self.preamble_patterns().items():
            if role not in self.PREAMBLE_ROLES:
                allowed = ", ".join(sorted(self.PREAMBLE_ROLES)) or "none"
                raise ValueError(
                    f"{type(self).__name__} {self.name!r}: {role!r} cannot be read from the preamble "
                    f"(roles: {allowed})"
                )
            if re.compile(pattern).groups < 1:
                raise ValueError(
                    f"{type(self).__name__} {self.name!r}: the preamble pattern of {role!r} needs a group "
                    "around the value"
                )

    def _assign(self, **values: Any) -> None:
        """Set every field from ``values`` (else its declared default) and validate: the one path of the
        subclasses' own constructors (their older positional orders), which give only their arguments.

        Sequences become tuples and an empty mapping argument (``None``) an empty dict, as the
        dataclass constructor leaves them; a name that is not a field is a :class:`TypeError`.
        """
        kind = type(self).__name__
        for spec_field in dataclasses.fields(self):
            if spec_field.name in values:
                value = values.pop(spec_field.name)
            elif spec_field.default is not dataclasses.MISSING:
                value = spec_field.default
            elif spec_field.default_factory is not dataclasses.MISSING:
                value = spec_field.default_factory()
            else:
                raise TypeError(f"{kind}() missing argument {spec_field.name!r}")
            if isinstance(spec_field.default_factory, type) and issubclass(spec_field.default_factory, dict):
                value = dict(value or {})
            object.__setattr__(self, spec_field.name, value)
        if values:
            raise TypeError(f"{kind}() got unexpected argument(s) {', '.join(map(repr, values))}")
        self.__post_init__()

    # ------------------------------------------------------------------ recognising
    #
    # One way to recognise a layout, for every kind of spec: its header row is found by content
    # among the first rows of the file (each row's cells, stripped), and its ``sniff_text`` words
    # occur near the top. :meth:`matches` is that test on a :class:`Head`; :func:`detect` picks
    # one layout of a family with it. The other methods are its parts.

    def matches_cells(self, cells: Iterable[str]) -> bool:
        """True when one row's ``cells`` hold every ``header`` name (the header-row test)."""
        present = cells if isinstance(cells, set | frozenset) else set(cells)
        return all(name in present for name in self.header)

    def header_row(self, rows: Iterable[Iterable[str]]) -> int | None:
        """The index of the first of ``rows`` (each a row's cells) that is this layout's header row, or None."""
        return next((i for i, row in enumerate(rows) if self.matches_cells(row)), None)

    def matches_rows(self, rows: Iterable[Iterable[str]]) -> bool:
        """True when one of ``rows`` (each a row's cells) is this layout's header row."""
        return self.header_row(rows) is not None

    def matches_text(self, head: str) -> bool:
        """:meth:`matches` on the decoded first lines of a file (``head``, a string)."""
        return self.matches(head)

    def matches(self, head: Head | str) -> bool:
        """True when ``head`` starts a file of this layout: one of its first rows, decoded with the
        layout's ``encodings``, is the header row, and every ``sniff_text`` word occurs in its text.

        ``head`` is a :class:`~receiptkit.readers.protocol.Head` or the decoded first lines of a file.
        """
        head = as_head(head)
        if not self.matches_rows(head.rows(self.encodings)):
            return False
        return all(word in head.text for word in self.sniff_text)

    def sniff(self, head: Head) -> float:
        """1.0 when :meth:`matches` (the :class:`~receiptkit.readers.protocol.Reader` score), else 0.0."""
        return 1.0 if self.matches(head) else 0.0

    # ------------------------------------------------------------------ reading

    def read_raw(
        self, source: Any, *, name: str | None = None, encodings: tuple[str, ...] | None = None
    ) -> RawTable:
        """The table's cells as strings, header found by content, each row with its line.

        ``encodings`` overrides the spec's list (a user's ``encoding=``).
        Errors are :class:`~receiptkit.errors.ReceiptkitError` naming the file and line;
        each reader re-raises them as its own error type.
        """
        return read_table(
            source,
            header=self.header,
            encodings=encodings or self.encodings,
            skip_prefixes=self.skip_prefixes,
            stop_at=self.stop_at,
            name=name or source_name(source),
            complete_tail=self.complete_tail,
        )

    def source_column(self, role: str, columns: Iterable[str], default: str | None = None) -> str:
        """The source column a role is read from: its first alias ``columns`` has, else its first alias.

        For messages that name the column a bad value came from.
        """
        names = self.fields[role].names if role in self.fields else ()
        present = set(columns)
        return next((n for n in names if n in present), names[0] if names else (default or role))

    def preamble_patterns(self) -> dict[str, str]:
        """Role -> regular expression read from the lines above the header (subclasses add their older names)."""
        return dict(self.preamble)

    def preamble_values(self, raw: RawTable) -> dict[str, str]:
        """Role -> group 1 of its pattern's first match in the lines above the header (roles not found are left out).

        The value fills that role's column in the rows that have none (a statement's card
        number or account, written once in its title block).
        """
        text = "\n".join(raw.preamble)
        values: dict[str, str] = {}
        for role, pattern in self.preamble_patterns().items():
            found = re.search(pattern, text)
            if found is not None and found.group(1) is not None:
                values[role] = found.group(1)
        return values

    def missing_roles(self) -> list[str]:
        """The ``required`` roles that have no column in ``fields`` (a layout that could never be read)."""
        return [role for role in self.required if role not in self.fields]

    def aliases(self, role: str) -> tuple[str, ...]:
        """The header aliases declared for ``role`` (empty when the layout has no such column)."""
        column = self.fields.get(role)
        return column.names if column is not None else ()

    # ------------------------------------------------------------------ declaring variants

    def variant(self, name: str, *, fields: Mapping[str, Col | None] | None = None, **changes: Any) -> Self:
        """A new layout like this one: ``fields`` are *merged* into this spec's (a role given
        replaces that role's column, ``None`` as a column drops the role), every other change
        replaces the attribute. The few declarative lines a changed export costs.
        """
        merged = dict(self.fields)
        for role, column in (fields or {}).items():
            if column is None:
                merged.pop(role, None)
            else:
                merged[role] = column
        return dataclasses.replace(self, name=name, fields=merged, **changes)


S = TypeVar("S", bound=TableSpec)


def as_head(head: Head | str) -> Head:
    """``head`` as a :class:`~receiptkit.readers.protocol.Head` (a string is a file's decoded first lines)."""
    if isinstance(head, Head):
        return head
    return Head(head.encode("utf-8"), name="<head>", encoding="utf-8")


def detect(layouts: Iterable[S], head: Head | str) -> S | None:
    """The layout of ``layouts`` that ``head`` starts a file of (:meth:`TableSpec.matches`), or None.

    When several match, the most specific wins: the one whose header names the most columns (a
    layout whose names are a subset of another's never shadows it), the first given on a tie.
    Every reader that holds several layouts (banks, wallets, PayPal, Stripe) recognises a file
    with this one function::

        >>> from receiptkit.readers.bank_csv import SPECS
        >>> detect(SPECS.values(), "交易日,记账日,交易摘要,人民币金额,卡号末四位,交易地金额\\n").name
        'cmb_credit'
    """
    head = as_head(head)
    best: S | None = None
    for layout in layouts:
        if (best is None or len(layout.header) > len(best.header)) and layout.matches(head):
            best = layout
    return best
