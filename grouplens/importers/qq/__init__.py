"""QQ export layouts: the classic 消息管理器 TXT and MHT, QQChatExporter, OneBot dumps; ``common``
holds what they share."""
