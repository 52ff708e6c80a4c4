"""Who replies to whom: the reply-link model (``model``), the per-message arrays it reads
(``speech``) and the features it scores (``features``), and the inference over a group's
messages (``links``)."""

from .links import infer_reply_links

__all__ = ["infer_reply_links"]
