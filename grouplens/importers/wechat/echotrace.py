"""EchoTrace JSON exports of WeChat 4.x (ycccccccy/echotrace, a Flutter app).

``{"session": {wxid, nickname, remark, displayName, type, lastTimestamp, messageCount},
"messages": [{localId, createTime, formattedTime, type, localType, content, isSend,
senderUsername, source}], "exportTime": "<ISO 8601>"}``, indented by two spaces. Newer versions
add ``senderDisplayName``. The message objects are the ones WeFlow's detailed JSON writes (WeFlow
adds a ``weflow`` header first), so both are read by ``common.parse_session_json``: times are epoch
seconds, ``localType`` is WeChat 4.x's packed ``(SubType << 32) | Type``, ``type`` is EchoTrace's
label for it (``文本消息``, ``拍一拍消息``, ``转账卡片``…) and ``senderUsername`` the wxid (null for
notices). ``localId`` is the row id in WeChat's own database; it is kept in ``extra`` but is not a
message id, since it differs between devices. Contents are EchoTrace's placeholders (``[图片]``,
``[语音 3秒]``, ``[链接] title``, ``[拍一拍]``…); a quote keeps only the reply.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from ..base import Importer, ParsedConversation, ParseOptions, Sample
from .common import parse_session_json


class EchoTraceJson(Importer):
    name = "echotrace-json"
    platform = "wechat"
    tool = "EchoTrace (WeChat 4.x)"
    detection = ('A JSON object whose first key is "session" (holding "wxid" and "messageCount"), followed by a '
                 '"messages" array of objects with "localId", "createTime" and "localType"; no "weflow" header.')

    _HEAD = re.compile(r'\s*\{\s*"session"\s*:\s*\{[^{}]*"wxid"[^{}]*"messageCount"[^{}]*\}\s*,\s*"messages"\s*:\s*\[')
    _FIRST_MESSAGE = re.compile(r'\s*(?:\]|\{\s*"localId"\s*:\s*-?\d+\s*,\s*"createTime"\s*:)')

    def sniff(self, sample: Sample) -> bool:
        head = self._HEAD.match(sample.text[:8192])
        return head is not None and self._FIRST_MESSAGE.match(sample.text, head.end()) is not None

    def parse(self, path: Path, options: ParseOptions) -> Iterator[ParsedConversation]:
        yield parse_session_json(path, self.platform, keep_local_id=True)


IMPORTERS = [EchoTraceJson()]
