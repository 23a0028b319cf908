"""NMEA line parsing: tag blocks, tag checksums, trailing epochs."""

from __future__ import annotations

import pytest

from vessels.io._nmea import _parse_line

S1 = "!AIVDM,1,1,,A,1595K0oP0jGko50Ag@@1hgv1P000,0*49"


@pytest.mark.parametrize(
    ("line", "error", "ts"),
    [
        pytest.param("\\s:rMX01,c:1717200060*5E\\" + S1, None, 1717200060.0, id="tag-block"),
        pytest.param("\\s:rMX01,c:1717200060*00\\" + S1, "bad_checksum", None, id="bad-tag-cs"),
        pytest.param("\\c:1717200060123\\" + S1, None, 1717200060.123, id="tag-ms-no-cs"),
        pytest.param(S1 + ",1717200090", None, 1717200090.0, id="trailing-epoch"),
        pytest.param(S1, None, None, id="no-time"),
        pytest.param("\\s:x,c:1" + S1, "malformed_sentence", None, id="unclosed-tag"),
        pytest.param("hello", "not_nmea", None, id="not-nmea"),
        pytest.param("!AIVDM,1,1,,A,15M", "malformed_sentence", None, id="no-checksum"),
    ],
)
def test_parse_line(line: str, error: str | None, ts: float | None) -> None:
    sentence, err, stamp = _parse_line(line)
    assert err == error
    if ts is None:
        assert stamp is None
    else:
        assert stamp == pytest.approx(ts)
    if error is None:
        assert sentence == S1
