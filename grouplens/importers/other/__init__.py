"""Layouts of neither family: IRC logs, the ChatLab interchange format, member lists."""
