"""grouplens.toml: defaults, where it is found, what it may say, and how bad files are reported."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from grouplens.config import ClassConfig, Config, TextConfig, load_config
from grouplens.errors import UsageError

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "grouplens" / "data" / "grouplens.example.toml"  # shipped in the package


def write(tmp_path: Path, body: str, name: str = "grouplens.toml") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def test_without_a_file_the_defaults_apply(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = load_config()
    assert config == Config()
    assert config.source is None
    assert config.text.builtin_stopwords is True
    assert config.text.user_words == ()
    assert config.templates.min_days == 3
    assert dict(config.classes) == {}


def test_a_grouplens_toml_in_the_working_directory_is_read(tmp_path, monkeypatch):
    path = write(tmp_path, '[text]\nuser_words = ["群公告"]\n')
    monkeypatch.chdir(tmp_path)
    config = load_config()
    assert config.text.user_words == ("群公告",)
    assert config.source == path


def test_an_explicit_path_wins_over_the_working_directory(tmp_path, monkeypatch):
    write(tmp_path, '[text]\nuser_words = ["甲"]\n')
    other = tmp_path / "elsewhere"
    other.mkdir()
    explicit = write(other, '[text]\nuser_words = ["乙"]\n', name="mine.toml")
    monkeypatch.chdir(tmp_path)
    assert load_config(explicit).text.user_words == ("乙",)


def test_text_section_values_and_paths_relative_to_the_file(tmp_path):
    sub = tmp_path / "cfg"
    sub.mkdir()
    path = write(sub, """
[text]
stopwords_extra = ["老师", "宝子们"]
stopwords_file = "more-stopwords.txt"
user_dict = "/abs/userdict.txt"
user_words = ["认知行为治疗", "群公告"]
builtin_stopwords = false
""")
    text = load_config(path).text
    assert text == TextConfig(
        stopwords_extra=("老师", "宝子们"),
        stopwords_file=sub / "more-stopwords.txt",
        builtin_stopwords=False,
        user_dict=Path("/abs/userdict.txt"),
        user_words=("认知行为治疗", "群公告"),
    )


def test_class_tables_extend_disable_and_add_classes(tmp_path):
    path = write(tmp_path, """
[classes.ad]
keywords = ["进群领红包"]
patterns = ['淘宝搜索\\s*\\S+']
kinds = ["text", "link"]

[classes.greeting]
enabled = false

[classes.medication]
description = "talks about a medicine"
keywords = ["褪黑素"]
""")
    classes = load_config(path).classes
    assert set(classes) == {"ad", "greeting", "medication"}
    assert classes["ad"] == ClassConfig(keywords=("进群领红包",), patterns=(r"淘宝搜索\s*\S+",), kinds=("text", "link"))
    assert classes["greeting"].enabled is False
    assert classes["medication"].description == "talks about a medicine"


def test_the_config_tree_is_frozen():
    config = Config()
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.text = TextConfig()  # type: ignore[misc]
    with pytest.raises(TypeError):
        config.classes["ad"] = ClassConfig()  # type: ignore[index]


def test_the_example_file_loads(tmp_path):
    config = load_config(EXAMPLE)
    assert "认知行为治疗" in config.text.user_words
    assert config.classes["operator_template"].keywords == ("【每日早报】", "【知识卡片】")
    assert config.classes["medication"].keywords[0] == "褪黑素"


# --- bad files ------------------------------------------------------------------------------


def test_an_unknown_key_in_a_known_section_names_file_section_and_key(tmp_path):
    path = write(tmp_path, '[text]\nuser_word = ["群公告"]\n')
    with pytest.raises(UsageError) as err:
        load_config(path)
    assert err.value.path == str(path)
    assert "'user_word'" in err.value.message
    assert "[text]" in err.value.message
    assert "user_words" in err.value.message  # the known keys are listed


def test_an_unknown_key_in_a_class_table_is_rejected(tmp_path):
    path = write(tmp_path, "[classes.ad]\nkeyword = ['x']\n")
    with pytest.raises(UsageError, match=r"unknown key 'keyword' in \[classes\.ad\]"):
        load_config(path)


def test_an_unknown_section_is_rejected_so_a_typo_cannot_switch_a_rule_off(tmp_path):
    path = write(tmp_path, "[clases.ad]\nkeywords = ['x']\n")
    with pytest.raises(UsageError, match=r"unknown section \[clases\]; known sections: \[time\], \[text\]"):
        load_config(path)


def test_malformed_toml_names_the_file_and_line(tmp_path):
    path = write(tmp_path, '[text]\nuser_words = ["a"]\nstopwords_extra = ["b" "c"]\n')
    with pytest.raises(UsageError) as err:
        load_config(path)
    assert err.value.path == str(path)
    assert err.value.line == 3  # the missing comma
    assert str(err.value).startswith(f"{path}:3: not valid TOML")


def test_toml_broken_at_the_end_names_the_last_line(tmp_path):
    path = write(tmp_path, '[text]\nuser_words = ["a"]\n\nstopwords_extra = ["b"\n')
    with pytest.raises(UsageError) as err:
        load_config(path)
    assert err.value.line == 4  # the unclosed list runs to the end of the file
    assert "Unclosed array" in err.value.message


def test_a_value_of_the_wrong_type_names_the_key_and_the_type(tmp_path):
    path = write(tmp_path, '[text]\nuser_words = "群公告"\n')
    with pytest.raises(UsageError, match=r"\[text\] user_words must be a list"):
        load_config(path)
    path = write(tmp_path, "[templates]\nmin_days = 2.5\n")
    with pytest.raises(UsageError, match=r"\[templates\] min_days must be a whole number"):
        load_config(path)
    path = write(tmp_path, "[classes.ad]\nenabled = \"no\"\n")
    with pytest.raises(UsageError, match=r"enabled must be true or false"):
        load_config(path)


def test_an_invalid_regular_expression_names_the_class_and_key(tmp_path):
    path = write(tmp_path, "[classes.ad]\npatterns = ['加(V']\n")
    with pytest.raises(UsageError, match=r"\[classes\.ad\] patterns: '加\(V' is not a valid regular expression"):
        load_config(path)


def test_an_unknown_message_kind_is_rejected(tmp_path):
    path = write(tmp_path, "[classes.ad]\nkinds = ['text', 'txt']\n")
    with pytest.raises(UsageError, match=r"\[classes\.ad\] kinds: unknown kind 'txt'; kinds are: text, image"):
        load_config(path)


def test_values_out_of_range_are_rejected(tmp_path):
    path = write(tmp_path, "[templates]\nmin_days = 1\n")
    with pytest.raises(UsageError, match=r"\[templates\] min_days: must be at least 2"):
        load_config(path)
    path = write(tmp_path, "[time]\ntz = \"Mars/Olympus\"\n")
    with pytest.raises(UsageError, match=r"\[time\] tz: unknown time zone 'Mars/Olympus'; use an IANA name"):
        load_config(path)


def test_the_time_zone_has_one_setting_and_the_old_templates_key_says_where_it_went(tmp_path):
    assert load_config(write(tmp_path, '[time]\ntz = "Europe/Berlin"\n')).time.zone.key == "Europe/Berlin"
    path = write(tmp_path, '[templates]\ntz = "Asia/Shanghai"\n')
    with pytest.raises(UsageError, match=r"\[templates\] tz has moved: write it as \[time\] tz"):
        load_config(path)


def test_class_names_must_be_usable_as_column_names(tmp_path):
    path = write(tmp_path, '[classes."Bad-Name"]\nkeywords = ["x"]\n')
    with pytest.raises(UsageError, match="lower-case letters"):
        load_config(path)


def test_a_section_must_be_a_table(tmp_path):
    path = write(tmp_path, 'text = "yes"\n')
    with pytest.raises(UsageError, match=r"\[text\] must be a table"):
        load_config(path)


def test_a_missing_explicit_file_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="config file not found"):
        load_config(tmp_path / "nope.toml")


def test_a_file_that_is_not_utf8_is_a_usage_error(tmp_path):
    path = tmp_path / "grouplens.toml"
    path.write_bytes("[text]\nuser_words = [\"群公告\"]\n".encode("gb18030"))
    with pytest.raises(UsageError, match="not UTF-8"):
        load_config(path)

