"""Token parsing over every string: it parses or it is refused (TokenFormatError), nothing else;
and a single changed character of a valid token never parses (the checksum or the format)."""

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tokens import crypto
from tokens.conf import CHECKSUM_LENGTH, MAX_SECRET_LENGTH

PREFIX = "pgu_"
EVERY_CHARACTER = st.characters(codec=None, exclude_categories=())
SECRETS = st.text(crypto.BASE62, min_size=crypto.MIN_SECRET_LENGTH, max_size=MAX_SECRET_LENGTH)
# The tokens package's autouse fixture clears the cache around each test, not each example.
BOUNDED = settings(max_examples=1500, deadline=None, derandomize=True, database=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture])


def outcome(text: str) -> str:
    """"parsed", or the reason a TokenFormatError gave; any other exception fails the test."""
    try:
        crypto.parse(text, PREFIX)
    except crypto.TokenFormatError as error:
        return error.reason
    return "parsed"


@BOUNDED
@given(st.one_of(
    st.text(EVERY_CHARACTER, max_size=200),
    st.text(EVERY_CHARACTER, max_size=200).map(lambda body: PREFIX + body),
    st.text(crypto.BASE62 + "\x00\ud800é٣_-", max_size=200).map(lambda body: PREFIX + body),
))
@example("")
@example(PREFIX)
@example(PREFIX + "0" * (MAX_SECRET_LENGTH + CHECKSUM_LENGTH + 1))
@example(PREFIX + "٣" * 40)
def test_any_string_parses_or_is_refused_and_nothing_else(text):
    result = outcome(text)
    assert result in {"parsed", "malformed", "bad_checksum"}
    if result == "parsed":
        assert crypto.build(text[len(PREFIX):-CHECKSUM_LENGTH], PREFIX) == text


@BOUNDED
@given(st.none() | st.integers() | st.binary() | st.lists(st.text()))
def test_what_is_not_a_string_is_refused_as_malformed(value):
    assert outcome(value) == "malformed"


@BOUNDED
@given(secret=SECRETS, data=st.data())
def test_a_single_changed_character_of_a_valid_token_never_parses(secret, data):
    token = crypto.build(secret, PREFIX)
    assert outcome(token) == "parsed"
    position = data.draw(st.integers(0, len(token) - 1), label="position")
    replacement = data.draw(st.one_of(st.sampled_from(crypto.BASE62), EVERY_CHARACTER)
                            .filter(lambda c: c != token[position]), label="replacement")
    changed = token[:position] + replacement + token[position + 1:]
    expected = "bad_checksum" if position >= len(PREFIX) and replacement in crypto.BASE62 \
        else "malformed"
    assert outcome(changed) == expected


@BOUNDED
@given(secret=SECRETS, data=st.data())
def test_every_single_character_change_in_the_secret_or_checksum_is_caught(secret, data):
    """Exhaustively for one position: every other base62 character there is a bad checksum."""
    token = crypto.build(secret, PREFIX)
    position = data.draw(st.integers(len(PREFIX), len(token) - 1), label="position")
    for replacement in crypto.BASE62:
        if replacement != token[position]:
            changed = token[:position] + replacement + token[position + 1:]
            assert outcome(changed) == "bad_checksum", changed
