"""From a question to ranked, highlighted passages and the no-answer call."""
