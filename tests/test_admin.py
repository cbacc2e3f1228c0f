"""Admin routes: absent without a token, 401 with a wrong one; uploads land inside corpus/
only, within the size limit and supported types, and become searchable; reindex; 409 while
another build holds the lock."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.layout import IndexDir
from search_app.errors import InvalidUpload
from search_app.uploads import MAX_NAME_CHARS, safe_filename

from .apptools import TOKEN, app_client, build

AUTH = {"Authorization": f"Bearer {TOKEN}"}
STATEMENT = b"Co-Chairs' statement on the Quokka Island workshop.\n\nMembers met on Quokka Island to discuss border management and victim identification.\n"


@pytest.fixture
def setup(tiny_corpus, tmp_path):
    index = tmp_path / "index"
    build(tiny_corpus, index)
    return tiny_corpus, index


@pytest.fixture
def admin(setup):
    with app_client(*setup, admin_token=TOKEN, max_upload_mb=0.05) as client:
        yield client


def files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


def upload(client, name: str, data: bytes = STATEMENT, headers=AUTH):
    return client.post("/api/admin/documents", files={"file": (name, data, "application/octet-stream")}, headers=headers)


def upload_raw(client, name: str, data: bytes = STATEMENT):
    """A multipart body written by hand: httpx would percent-encode control characters in the
    file name, a hostile client need not."""
    boundary = "testboundary7MA4YWxkTrZu0gW"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n").encode("utf-8") + data + f"\r\n--{boundary}--\r\n".encode()
    headers = {**AUTH, "content-type": f"multipart/form-data; boundary={boundary}"}
    return client.post("/api/admin/documents", content=body, headers=headers)


def test_without_a_token_the_admin_routes_do_not_exist(setup):
    with app_client(*setup) as client:
        for path in ("/api/admin/documents", "/api/admin/reindex"):
            response = client.post(path, headers=AUTH)
            assert response.status_code == 404
            assert response.json()["error"]["code"] == "not_found"
        assert not any(p.startswith("/api/admin") for p in client.get("/openapi.json").json()["paths"])


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong-token-value"}, {"Authorization": f"Basic {TOKEN}"},
                                     {"Authorization": "Bearer"}, {"Authorization": f"Bearer {TOKEN}x"}])
def test_missing_or_wrong_token_is_401(admin, setup, headers):
    corpus, _ = setup
    before = files_under(corpus)
    for response in (upload(admin, "new.txt", headers=headers), admin.post("/api/admin/reindex", headers=headers)):
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthorized"
        assert response.headers["www-authenticate"] == "Bearer"
    assert files_under(corpus) == before


def test_upload_indexes_the_document_and_it_becomes_searchable(admin, setup):
    corpus, _ = setup
    response = upload(admin, "2024-06-01-quokka-workshop.txt")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["saved"] == "corpus/2024-06-01-quokka-workshop.txt"
    assert body["report"]["added"] == ["2024-06-01-quokka-workshop.txt"]
    assert body["report"]["generation"] == "gen-000002" and body["report"]["documents"] == 3
    assert (corpus / "2024-06-01-quokka-workshop.txt").read_bytes() == STATEMENT
    assert not [p for p in corpus.iterdir() if p.name.startswith(".")]  # no temporary file left
    results = admin.get("/api/search", params={"q": "Quokka Island", "mode": "keyword"}).json()["results"]
    assert results and results[0]["citation"]["doc_id"] == "2024-06-01-quokka-workshop"
    assert admin.get("/api/health").json()["generation"] == "gen-000002"


def test_upload_over_the_size_limit_is_413_and_leaves_nothing(admin, setup):
    corpus, _ = setup
    before = files_under(corpus)
    response = upload(admin, "big.txt", b"words and more words\n" * 5000)  # ~100 kB > 0.05 MB
    assert response.status_code == 413
    assert response.json()["error"] == {
        "status": 413, "code": "too_large", "parameter": "file", "message": response.json()["error"]["message"]}
    assert files_under(corpus) == before


@pytest.mark.parametrize("name", ["tool.exe", "notes", "archive.tar.gz", "metadata.json", "passwd", "shadow."])
def test_unsupported_types_are_415(admin, setup, name):
    corpus, _ = setup
    before = files_under(corpus)
    response = upload(admin, name)
    assert response.status_code == 415, response.text
    assert response.json()["error"]["code"] == "unsupported_type" and response.json()["error"]["parameter"] == "file"
    assert files_under(corpus) == before


@pytest.mark.parametrize("name,stored", [
    (".hidden.txt", "hidden.txt"),
    ("a b;rm -rf *.txt", "a b_rm -rf _.txt"),
    ("résumé–2024.md", "résumé_2024.md"),
])
def test_file_names_are_neutralised_and_stay_inside_the_corpus(admin, setup, tmp_path, name, stored):
    corpus, _ = setup
    outside_before = files_under(tmp_path) - files_under(corpus)
    response = upload(admin, name)
    assert response.status_code == 200, response.text
    assert response.json()["saved"] == f"corpus/{stored}"
    assert (corpus / stored).is_file()
    index_files = {p for p in files_under(tmp_path) if "index" in p.relative_to(tmp_path).parts[:1]}
    assert (files_under(tmp_path) - files_under(corpus)) - index_files == outside_before - index_files


def test_percent_encoded_control_characters_stay_harmless(admin, setup):
    corpus, _ = setup
    response = upload(admin, "a\x00b.txt")  # httpx sends a%00b.txt
    assert response.status_code == 200
    saved = response.json()["saved"].removeprefix("corpus/")
    assert "\x00" not in saved and "%" not in saved and (corpus / saved).is_file()


PATHS = [
    "../escape.txt", "../../../../tmp/escape.txt", "..\\..\\windows\\escape.txt", "..\\escape.txt",
    "/absolute/path/escape.txt", "/etc/passwd", "\\\\server\\share\\escape.txt",
    "sub/dir/name.md", "./escape.txt", "escape.txt/", "../", "..\\",
]


@pytest.mark.parametrize("name", PATHS)
def test_a_path_instead_of_a_name_is_refused_and_nothing_is_written(admin, setup, tmp_path, name):
    corpus, index = setup
    before = files_under(tmp_path)
    response = upload_raw(admin, name)  # as sent: no client library in between to tidy the name
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_filename" and error["parameter"] == "file" and "path" in error["message"]
    assert files_under(tmp_path) == before  # nothing in the corpus, beside it, or a new generation
    assert admin.get("/api/health").json()["generation"] == "gen-000001"


def test_a_windows_drive_path_is_cut_to_its_name_by_the_multipart_parser(admin, setup, tmp_path):
    # python-multipart keeps only the last part of "X:\\..." (old Internet Explorer sent whole
    # paths), so this one reaches us as a plain name: it can still only land inside corpus/.
    corpus, _ = setup
    outside_before = files_under(tmp_path) - files_under(corpus)
    response = upload_raw(admin, "C:\\Users\\me\\..\\escape.txt")
    assert response.status_code == 200 and response.json()["saved"] == "corpus/escape.txt"
    index_files = {p for p in files_under(tmp_path) if "index" in p.relative_to(tmp_path).parts[:1]}
    assert (files_under(tmp_path) - files_under(corpus)) - index_files == outside_before - index_files


@pytest.mark.parametrize("name", ["x" * 252 + ".txt", "é" * 130 + ".txt", "." * 300])
def test_names_longer_than_255_bytes_are_refused(admin, setup, tmp_path, name):
    before = files_under(tmp_path)
    response = upload_raw(admin, name)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["parameter"] == "file"
    assert files_under(tmp_path) == before


def test_long_names_are_capped(admin, setup):
    corpus, _ = setup
    response = upload(admin, "x" * 200 + ".txt")
    assert response.status_code == 200
    saved = response.json()["saved"].removeprefix("corpus/")
    assert len(saved) <= MAX_NAME_CHARS and saved.endswith(".txt") and (corpus / saved).is_file()


@pytest.mark.parametrize("name", ["a\x00b.txt", "..", ".", "...", "....", "...txt", ". .", "tab\tin.txt", "", "\x00",
                                  "escape.txt\x00.pdf"])
def test_unusable_names_are_refused(admin, setup, name):
    corpus, _ = setup
    before = files_under(corpus)
    response = upload_raw(admin, name)
    assert response.status_code in (400, 415, 422), response.text
    assert response.json()["error"]["parameter"] == "file"
    assert files_under(corpus) == before


def test_a_symlink_in_the_corpus_is_not_followed(admin, setup, tmp_path):
    corpus, _ = setup
    outside = tmp_path / "outside.txt"
    outside.write_text("keep me")
    (corpus / "link.txt").symlink_to(outside)
    response = upload(admin, "link.txt")
    assert response.status_code == 400
    assert outside.read_text() == "keep me"


def test_an_unreadable_upload_is_422_and_taken_back_out(admin, setup):
    corpus, _ = setup
    response = upload(admin, "broken.pdf", b"%PDF-1.4 this is not really a pdf")
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "unreadable_document"
    assert not (corpus / "broken.pdf").exists()


def test_reindex_incremental_and_full(admin, setup):
    corpus, _ = setup
    nothing = admin.post("/api/admin/reindex", headers=AUTH)
    assert nothing.status_code == 200 and nothing.json()["generation"] is None
    (corpus / "more.txt").write_text("Another statement on the Tuvalu consultation.\n")
    added = admin.post("/api/admin/reindex", headers=AUTH).json()
    assert added["added"] == ["more.txt"] and added["generation"] == "gen-000002"
    full = admin.post("/api/admin/reindex", json={"full": True}, headers=AUTH).json()
    assert full["generation"] == "gen-000003" and full["chunks_embedded"] == full["chunks"]
    assert admin.get("/api/health").json()["generation"] == "gen-000003"


@pytest.mark.parametrize("body,parameter", [(b"[true]", "body"), (b"{bad", "body"), (b'{"full": "yes"}', "full"),
                                            (b'{"fast": true}', "fast"),
                                            # a 500 before: the key was echoed as `parameter` and cannot be UTF-8
                                            (b'{"\\ud800": true}', "body"), (b'{"": true}', "body"),
                                            (b"[" * 100_000 + b"]" * 100_000, "body"), (b"\xff\xfe", "body")])
def test_reindex_bad_body_is_422(admin, body, parameter):
    response = admin.post("/api/admin/reindex", content=body, headers={**AUTH, "content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["error"]["parameter"] == parameter


def test_a_build_already_running_is_409(admin, setup):
    corpus, index = setup
    with IndexDir(index).lock():
        response = admin.post("/api/admin/reindex", headers=AUTH)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "build_running"


def test_safe_filename_unit():
    assert safe_filename("Statement (final).docx") == "Statement (final).docx"
    assert safe_filename("  report.PDF ") == "report.pdf"
    assert safe_filename("résumé–2024.md") == "résumé_2024.md"
    for bad in ("", "   ", "a\x00.txt", "..", "/", "\x1b[31m.txt", "C:\\Users\\me\\Statement.docx", "../a.txt", "a" * 256 + ".md"):
        with pytest.raises(InvalidUpload):
            safe_filename(bad)


def test_a_reindex_on_a_full_disk_is_507_and_the_live_index_keeps_serving(admin, setup, monkeypatch):
    from indexer.errors import IndexWriteFailed

    corpus, index = setup

    def full_disk(*args, **kwargs):
        raise IndexWriteFailed(index, "the disk is full")

    monkeypatch.setattr("search_app.admin.build_index", full_disk)
    (corpus / "more.txt").write_text("Another statement on the Tuvalu consultation.\n")
    response = admin.post("/api/admin/reindex", headers=AUTH)
    assert response.status_code == 507
    error = response.json()["error"]
    assert error["code"] == "index_write_failed" and "disk is full" in error["message"]
    assert admin.get("/api/health").json()["generation"] == "gen-000001"
    assert admin.get("/api/search", params={"q": "trafficking"}).status_code == 200
