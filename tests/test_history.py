from qa.history import History, default_history_path


def test_history_is_kept_across_sessions_and_recalled_newest_first(tmp_path):
    path = tmp_path / "sub" / "history.jsonl"
    first = History.load(path)
    assert first.add("When did IS-KP announce its formation?") is None
    first.add("Who pushed them out?")
    first.add("Who pushed them out?")  # a repeat is one entry
    again = History.load(path)
    assert again.entries == ["When did IS-KP announce its formation?", "Who pushed them out?"]
    assert again.previous("half-typed") == "Who pushed them out?"
    assert again.previous("") == "When did IS-KP announce its formation?"
    assert again.previous("") is None
    assert again.next() == "Who pushed them out?"
    assert again.next() == "half-typed"  # the draft comes back past the newest
    assert again.next() is None


def test_damaged_lines_are_skipped_and_unwritable_path_is_a_warning(tmp_path):
    path = tmp_path / "history.jsonl"
    path.write_text('"good"\n{"cut\n"also good"\n', encoding="utf-8")
    assert History.load(path).entries == ["good", "also good"]
    blocked = tmp_path / "file"
    blocked.write_text("x")
    warning = History.load(blocked / "history.jsonl").add("question")
    assert warning is not None and "could not save the question history" in warning


def test_default_path_follows_xdg_data_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_history_path() == tmp_path / "qa" / "history.jsonl"
