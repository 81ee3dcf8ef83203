"""``pin_day``: a day said relative to today, written as the date it means (newcomer 20, H10), and 昨晚 read as
昨天晚上. ``find``'s ``reprint with:`` line repeated ``今天早上7点55``: run after midnight it meant another day."""

from __future__ import annotations

import datetime as dt

import pytest

from receiptkit.timeparse import parse_time_window, pin_day

TODAY = dt.date(2026, 12, 8)
REF = "2026-12-08 10:00"


@pytest.mark.parametrize(
    ("text", "pinned"),
    [
        ("今天早上7点55", "12月8日早上7点55"),
        ("昨天晚上九点左右", "12月7日晚上九点左右"),
        ("昨晚9点", "12月7日晚上9点"),
        ("大约前天下午3点", "大约12月6日下午3点"),
        ("2026-12-07 21:00", "2026-12-07 21:00"),  # a date already: as it is
        ("11月3日 上午8点", "11月3日 上午8点"),
        ("14:32", "14:32"),  # no day said: as it is
    ],
)
def test_pin_day(text: str, pinned: str) -> None:
    assert pin_day(text, TODAY) == pinned


@pytest.mark.parametrize("text", ["今天早上7点55", "昨天晚上九点左右", "昨晚9点", "大约前天下午3点"])
def test_the_pinned_text_reads_to_the_same_window_on_a_later_day(text: str) -> None:
    said = parse_time_window(text, tz="Asia/Shanghai", ref=REF)
    later = parse_time_window(pin_day(text, TODAY), tz="Asia/Shanghai", ref="2026-12-10 09:00")
    assert (later.start, later.end, later.precision) == (said.start, said.end, said.precision)


@pytest.mark.parametrize(
    ("short", "long"), [("昨晚9点", "昨天晚上9点"), ("前晚10点左右", "前天晚上10点左右")]
)
def test_last_night_is_read_as_yesterday_evening(short: str, long: str) -> None:
    a = parse_time_window(short, tz="Asia/Shanghai", ref=REF)
    b = parse_time_window(long, tz="Asia/Shanghai", ref=REF)
    assert (a.start, a.end) == (b.start, b.end)
    assert a.start.hour >= 18  # the evening, never 09:00
    assert a.start.date() < dt.date(2026, 12, 8)


def test_finds_reprint_line_gives_the_date_not_today(tmp_path, monkeypatch) -> None:
    from typer.testing import CliRunner

    from receiptkit.cli import app

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RECEIPTKIT_KEY", "hex:" + "7a" * 32)
    now = dt.datetime.now(dt.timezone(dt.timedelta(hours=8)))
    when = now - dt.timedelta(days=1)
    head = "txn_id,merchant_id,merchant_name,terminal_id,ts,amount_minor,currency,txn_type,status,channel,card_last4\n"
    other = [  # the shop's other sales of the day
        f"S{i},898310058120099,小杨生煎,12000009,{when:%Y-%m-%d}T1{i // 10}:{i}:10+08:00,{1000 + 37 * i},CNY,sale,"
        f"approved,card,{1000 + i}\n"
        for i in range(10, 41)
    ]
    sale = f"S1,898310058120099,小杨生煎,12000009,{when:%Y-%m-%d}T21:05:10+08:00,5600,CNY,sale,approved,card,7788\n"
    (tmp_path / "j.csv").write_text(head + "".join(other) + sale, encoding="utf-8")
    out = CliRunner().invoke(
        app,
        [
            "find",
            "--journal",
            "j.csv",
            "--no-cache",
            "--amount",
            "56",
            "--time",
            "昨晚9点05",
            "--last4",
            "7788",
        ],
        terminal_width=250,
    )
    assert "MATCHED" in out.output, out.output
    assert f"--time '{when.month}月{when.day}日晚上9点05'" in out.output
    assert "昨晚" not in out.output.split("reprint with:")[1]
