"""WeChat export layouts (MemoTrace, PyWxDump, chatlog, WeFlow, EchoTrace, WechatBakTool, Android and
iOS tools); ``common`` holds what they share."""
