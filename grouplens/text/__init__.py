"""Understanding message texts. Pure functions over pandas objects; nothing here prints.

- ``segment``: ``Segmenter(config).message_tokens(messages)`` gives each message's words
  (placeholders, codes, links, mentions, emoji, stop words removed).
- ``classes``: ``classify_messages(messages, config)`` gives one boolean column per class
  (``CLASS_NAMES``: question, objection, agreement, greeting, checkin, ad, risky_claim,
  operator_template, personal_attack, plus classes from ``grouplens.toml``);
  ``find_templates`` gives the recurring script each message belongs to.
- ``keywords``: ``keywords(messages, tokens, by="week", method="tfidf")`` gives each unit's
  top terms.

Example:
    config = load_config()                       # grouplens.config
    tokens = Segmenter(config).message_tokens(messages)
    weekly = keywords(messages, tokens, by=("group", "week"), top=10)
    flags = classify_messages(messages, config)  # flags["ad"], flags["question"], ...
"""
