"""Understanding message texts: words (``segment``), message classes (``classes``) and
keywords (``keywords``). Pure functions over pandas objects; nothing here prints."""
