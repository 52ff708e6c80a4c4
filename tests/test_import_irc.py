"""The irc importer: Ubuntu-style IRC channel logs, one channel-day per file."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from grouplens import schema as S
from grouplens.errors import FormatError
from grouplens.importers import ParseOptions, detect, get, sniff

ROOT = Path(__file__).parent.parent
FIXTURE = ROOT / "sample_logs" / "irc" / "2024-03-05_ubuntu.txt"
# The corpus lives in ../shared beside the repository (the shared reference folder), not in it.
DEV = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "irc-disentanglement" / "dev"
IN_UTC = ParseOptions(tz=ZoneInfo("UTC"))


def parse(path: Path, options: ParseOptions = IN_UTC):
    convs = list(get("irc").parse(path, options))
    assert len(convs) == 1
    return convs[0]


@pytest.fixture(scope="module")
def conv():
    return parse(FIXTURE)


@pytest.fixture(scope="module")
def df(conv):
    return conv.messages.to_pandas()


def test_fixture_is_detected_as_irc_and_only_irc():
    assert detect(FIXTURE).name == "irc"
    assert len(sniff(FIXTURE)) == 1


def test_every_physical_line_is_one_row_with_its_line_number(df):
    assert len(df) == 34
    assert df[S.SOURCE_LINE].tolist() == list(range(1, 35))


def test_conversation_is_named_after_the_file_and_is_an_irc_group(conv):
    assert conv.platform == "irc"
    assert conv.name == "2024-03-05_ubuntu"
    assert conv.native_id is None
    assert conv.is_group


def test_kind_mix(df):
    assert df[S.KIND].value_counts().to_dict() == {"text": 24, "leave": 4, "join": 3, "system": 3}


def test_senders_are_name_based_ids_and_server_lines_have_none(df):
    said = df[df[S.SENDER_ID].notna()]
    assert said[S.SENDER_ID].nunique() == 7
    assert said[S.SENDER_ID].eq("name:" + said[S.SENDER_NAME]).all()
    assert df.loc[df[S.SENDER_ID].isna(), S.KIND].isin(S.EVENT_KINDS).all()
    assert (df[S.SENDER_ID].isna()).sum() == 10


def test_joins_leaves_and_kicks_name_the_member(df):
    joins = df[df[S.KIND] == "join"]
    assert [list(m) for m in joins[S.EVENT_MEMBERS]] == [["mkdir_p"], ["lunadev"], ["mkdir_p_laptop"]]
    leaves = df[df[S.KIND] == "leave"]
    assert [list(m) for m in leaves[S.EVENT_MEMBERS]] == [["oldtimer"], ["mkdir_p_laptop"], ["spam4u"], ["lunadev"]]
    assert json.loads(leaves.iloc[2][S.EXTRA]) == {"event": "kick"}


def test_nick_change_is_a_system_line_naming_old_and_new_nick(df):
    row = df.iloc[7]
    assert row[S.KIND] == "system"
    assert list(row[S.EVENT_MEMBERS]) == ["mkdir_p", "mkdir_p_laptop"]
    assert json.loads(row[S.EXTRA]) == {"event": "nick_change"}


def test_actions_in_both_styles_are_said_by_their_nick(df):
    actions = df[df[S.EXTRA].fillna("").str.contains('"action"')]
    assert actions[S.SOURCE_LINE].tolist() == [12, 21]
    assert actions[S.SENDER_NAME].tolist() == ["tomreyn", "Bashing-om"]
    assert actions[S.TEXT].tolist() == ["looks up the firmware package", "sips his coffee"]


def test_notice_is_a_message_from_its_nick(df):
    row = df.iloc[30]
    assert row[S.SENDER_NAME] == "ubottu"
    assert json.loads(row[S.EXTRA]) == {"notice": True}
    assert list(row[S.MENTIONS]) == ["lunadev"]


def test_an_empty_message_keeps_its_line(df):
    row = df.iloc[21]
    assert (row[S.SENDER_NAME], row[S.TEXT]) == ("lunadev", "")


def test_leading_nick_of_someone_in_the_log_is_a_mention(df):
    assert (df[S.MENTIONS].str.len() > 0).sum() == 14
    assert list(df.iloc[3][S.MENTIONS]) == ["mkdir_p"]
    assert list(df.iloc[31][S.MENTIONS]) == ["lunadev"]  # "lunadev, close the app first"
    assert list(df.iloc[16][S.MENTIONS]) == []  # "rebooting, brb": not a nick


def test_day_advances_past_midnight_and_untimed_lines_take_the_previous_time(df):
    assert df[S.TS].iloc[0] == datetime(2024, 3, 5, 23, 41, tzinfo=UTC)  # join before the first time
    assert df[S.TS].iloc[22] == datetime(2024, 3, 5, 23, 58, tzinfo=UTC)
    assert df[S.TS].iloc[23] == datetime(2024, 3, 6, 0, 2, tzinfo=UTC)
    assert df[S.TS].iloc[-1] == datetime(2024, 3, 6, 0, 9, tzinfo=UTC)
    assert df[S.TS].is_monotonic_increasing


def test_times_are_read_in_the_given_timezone():
    df = parse(FIXTURE, ParseOptions()).messages.to_pandas()  # default Asia/Shanghai, UTC+8
    assert df[S.TS].iloc[0] == datetime(2024, 3, 5, 15, 41, tzinfo=UTC)
    assert df[S.TS].iloc[-1] == datetime(2024, 3, 5, 16, 9, tzinfo=UTC)


def test_date_option_overrides_the_file_name(tmp_path):
    path = tmp_path / "channel.log"
    path.write_text("[10:00] <ann> hello\n[10:01] <bob> ann: hi\n")
    df = parse(path, ParseOptions(tz=ZoneInfo("UTC"), date=date(2020, 1, 2))).messages.to_pandas()
    assert df[S.TS].tolist() == [datetime(2020, 1, 2, 10, 0, tzinfo=UTC),
                                 datetime(2020, 1, 2, 10, 1, tzinfo=UTC)]
    assert list(df.iloc[1][S.MENTIONS]) == ["ann"]


def test_a_quoted_nick_in_angle_brackets_addresses_that_nick(tmp_path):
    path = tmp_path / "2024-03-05_x.txt"
    path.write_text("[10:00] <ann> hello\n[10:01] <bob> <ann> hi there\n[10:02] <bob> <html> tags are fine\n")
    df = parse(path).messages.to_pandas()
    assert [list(m) for m in df[S.MENTIONS]] == [[], ["ann"], []]


def test_no_date_anywhere_asks_for_date(tmp_path):
    path = tmp_path / "channel.log"
    path.write_text("[10:00] <ann> hello\n")
    with pytest.raises(FormatError, match="--date"):
        parse(path)


def test_impossible_time_names_its_line(tmp_path):
    path = tmp_path / "2024-03-05_x.txt"
    path.write_text("[10:00] <ann> hello\n=== bob [~b@h]  has joined #ubuntu\n[24:10] <bob> hi\n")
    with pytest.raises(FormatError) as err:
        parse(path)
    assert err.value.line == 3


def test_impossible_date_in_file_name_is_an_error(tmp_path):
    path = tmp_path / "2024-13-05_x.txt"
    path.write_text("[10:00] <ann> hello\n")
    with pytest.raises(FormatError, match="impossible date"):
        parse(path)


def test_a_line_that_is_not_irc_names_its_line(tmp_path):
    path = tmp_path / "2024-03-05_x.txt"
    path.write_text("[10:00] <ann> hello\n\nsomething else entirely\n")
    with pytest.raises(FormatError) as err:
        parse(path)
    assert err.value.line == 3


def test_plain_text_is_not_sniffed_as_irc(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("=== meeting notes ===\nann said hello\nbob said hi\n[10:00] <ann> quoted irc\n" * 3)
    assert get("irc").name not in [i.name for i in sniff(path)]


@pytest.mark.skipif(not DEV.is_dir(), reason=f"IRC disentanglement corpus not found at {DEV} "
                    "(../shared/data/irc-disentanglement beside the repository)")
def test_corpus_dev_files_parse_with_line_numbers_matching_annotations():
    for path in sorted(DEV.glob("*.ascii.txt")):
        conv = parse(path)
        lines = path.read_text(encoding="utf-8").split("\n")
        if lines[-1] == "":
            lines.pop()
        df = conv.messages.to_pandas()
        assert conv.name == path.name[: -len(".ascii.txt")]
        assert df[S.SOURCE_LINE].tolist() == list(range(1, len(lines) + 1))
        annotated = [int(row.split()[1]) for row in path.with_name(conv.name + ".annotation.txt").read_text().split("\n")
                     if row.strip()]
        for n in annotated[:50]:  # annotation line numbers are 0-based: source_line - 1
            row = df.iloc[n]
            assert row[S.SOURCE_LINE] == n + 1
            raw = lines[n]
            if raw.startswith("[") and "<" in raw[:10]:
                assert raw.split("> ", 1)[-1].rstrip() == row[S.TEXT] or row[S.TEXT] == ""
                assert raw[raw.index("<") + 1: raw.index(">")] == row[S.SENDER_NAME]
