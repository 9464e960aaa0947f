"""The exports page, the status partial, the download and the verification page:
the happy paths, the people who must be refused, and bad input."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import strip_tags

from portfolio.exports import exports_root
from portfolio.models import Export
from tests.factories import UserFactory

from .test_exports import built_export, evidence_portfolio, people
from .test_verification import doctored


@pytest.fixture
def signed(db, settings, tmp_path, django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path
    learner, assessor = people()
    portfolio = evidence_portfolio(
        learner, assessor, django_capture_on_commit_callbacks
    )
    return portfolio, learner, assessor


@pytest.fixture
def ready(signed, django_capture_on_commit_callbacks):
    portfolio, learner, assessor = signed
    return built_export(portfolio, learner, django_capture_on_commit_callbacks)


def upload(content: bytes, name: str = "export.zip") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/zip")


# -- the exports page --------------------------------------------------------------


def test_learner_requests_an_export_and_sees_it_ready_to_download(
    client, signed, django_capture_on_commit_callbacks
):
    portfolio, learner, assessor = signed
    client.force_login(learner)
    url = reverse("portfolio:exports", args=[portfolio.pk])

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)

    assert response.status_code == 302
    assert response["Location"] == url
    export = Export.objects.get(portfolio=portfolio)
    assert export.status == Export.Status.READY
    page = client.get(url).content.decode()
    assert "<h1" in page
    assert page.count("<h1") == 1
    assert f"Export {export.pk} is being built" in page  # the message
    assert reverse("portfolio:export_download", args=[export.pk]) in page
    assert export.sha256 in page


def test_assessor_downloads_the_zip_as_an_attachment(client, signed, ready):
    portfolio, learner, assessor = signed
    client.force_login(assessor)

    response = client.get(reverse("portfolio:export_download", args=[ready.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == (
        f'attachment; filename="portfolio-{learner.username}-export-{ready.pk}.zip"'
    )
    content = b"".join(response.streaming_content)
    assert content == (exports_root() / ready.path).read_bytes()
    assert zipfile.ZipFile(io.BytesIO(content)).testzip() is None


def test_a_building_export_shows_its_progress_and_polls(client, signed):
    portfolio, learner, assessor = signed
    export = Export.objects.create(
        portfolio=portfolio,
        requested_by=learner,
        status=Export.Status.BUILDING,
        progress=35,
        stage="Writing the PDF",
    )
    client.force_login(learner)

    page = client.get(reverse("portfolio:exports", args=[portfolio.pk])).content
    partial = client.get(reverse("portfolio:export_status", args=[export.pk]))

    for html in (page.decode(), partial.content.decode()):
        assert (
            f'<progress class="d-block w-100" id="export-{export.pk}-progress"' in html
        )
        assert 'value="35"' in html
        assert f'for="export-{export.pk}-progress"' in html
        assert "Building: Writing the PDF (35%)" in html
        assert 'hx-trigger="every 2s"' in html
    assert "Refresh the list" in page.decode()
    assert b"<h1" not in partial.content


def test_a_ready_export_stops_polling(client, signed, ready):
    portfolio, learner, assessor = signed
    client.force_login(learner)

    partial = client.get(reverse("portfolio:export_status", args=[ready.pk]))

    assert partial.status_code == 200
    assert b"hx-trigger" not in partial.content
    assert b"Download the ZIP" in partial.content


def test_exports_page_makes_the_same_queries_for_one_export_or_many(client, signed):
    portfolio, learner, assessor = signed
    client.force_login(learner)
    url = reverse("portfolio:exports", args=[portfolio.pk])
    Export.objects.create(portfolio=portfolio, requested_by=learner)
    client.get(url)  # the session and the like, once
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _ in range(5):
        Export.objects.create(portfolio=portfolio, requested_by=assessor)
    with CaptureQueriesContext(connection) as six:
        client.get(url)

    assert len(six) == len(one)


@pytest.mark.parametrize("who", ["other learner", "other assessor", "supervisor"])
def test_exports_and_downloads_are_404_to_anyone_else(client, signed, ready, who):
    portfolio, learner, assessor = signed
    other = {
        "other learner": lambda: UserFactory(role="learner"),
        "other assessor": lambda: UserFactory(role="assessor"),
        "supervisor": lambda: UserFactory(role="supervisor"),
    }[who]()
    client.force_login(other)

    for url in (
        reverse("portfolio:exports", args=[portfolio.pk]),
        reverse("portfolio:export_status", args=[ready.pk]),
        reverse("portfolio:export_download", args=[ready.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(reverse("portfolio:exports", args=[portfolio.pk])).status_code
        == 404
    )
    assert Export.objects.count() == 1


def test_anonymous_is_sent_to_sign_in(client, signed, ready):
    portfolio, learner, assessor = signed

    for url in (
        reverse("portfolio:exports", args=[portfolio.pk]),
        reverse("portfolio:export_download", args=[ready.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert reverse("accounts:login") in response["Location"]


def test_download_of_an_unfinished_or_vanished_export(client, signed, ready):
    portfolio, learner, assessor = signed
    queued = Export.objects.create(portfolio=portfolio, requested_by=learner)
    client.force_login(learner)

    assert (
        client.get(reverse("portfolio:export_download", args=[queued.pk])).status_code
        == 404
    )
    assert (
        client.get(reverse("portfolio:export_download", args=[9999])).status_code == 404
    )

    (exports_root() / ready.path).unlink()
    response = client.get(
        reverse("portfolio:export_download", args=[ready.pk]), follow=True
    )
    assert response.status_code == 200
    assert b"no longer on the server" in response.content


def test_exports_page_refuses_get_of_other_methods(client, signed):
    portfolio, learner, assessor = signed
    client.force_login(learner)

    response = client.put(reverse("portfolio:exports", args=[portfolio.pk]))

    assert response.status_code == 405


# -- verification ------------------------------------------------------------------


def test_assessor_verifies_an_export_on_the_page(client, signed, ready):
    portfolio, learner, assessor = signed
    client.force_login(assessor)
    url = reverse("portfolio:verify")
    assert client.get(url).status_code == 200

    response = client.post(
        url, {"export": upload((exports_root() / ready.path).read_bytes())}
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("<h1") == 1
    assert "Matches what was signed off" in page
    assert "Files intact" in page
    assert 'enctype="multipart/form-data"' in page


def test_the_page_names_a_doctored_file(client, signed, ready):
    # given portfolio.html with the learner's name changed, its checksum redone
    portfolio, learner, assessor = signed
    forged = doctored(
        (exports_root() / ready.path).read_bytes(),
        "portfolio.html",
        lambda html: html.replace(b"Priya Shah", b"Pia Shaw"),
    )
    client.force_login(assessor)

    response = client.post(reverse("portfolio:verify"), {"export": upload(forged)})

    page = " ".join(strip_tags(response.content.decode()).split())
    assert response.status_code == 200
    assert "Matches what was signed off" not in page
    assert "Does not match. Portfolio of Priya Shah" in page
    assert (
        "These files are not as OrderDesk exported them: portfolio.html, manifest.json."
    ) in page
    assert (
        f"Failed: portfolio.html is not the file OrderDesk exported (export {ready.pk}"
        in page
    )


def test_supervisor_may_verify_any_export(client, signed, ready, supervisor):
    client.force_login(supervisor)

    response = client.post(
        reverse("portfolio:verify"),
        {"export": upload((exports_root() / ready.path).read_bytes())},
    )

    assert b"Matches what was signed off" in response.content


def test_an_assessor_cannot_verify_a_portfolio_not_assigned_to_them(
    client, signed, ready
):
    client.force_login(UserFactory(role="assessor"))

    response = client.post(
        reverse("portfolio:verify"),
        {"export": upload((exports_root() / ready.path).read_bytes())},
    )

    assert response.status_code == 400
    assert b"not assigned to you" in response.content
    assert b"Matches what was signed off" not in response.content


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, b"Choose the export&#x27;s ZIP file."),
        ({"export": upload(b"hello", "notes.txt")}, b"This is not a ZIP file"),
        ({"export": upload(b"", "empty.zip")}, b"The file is empty"),
    ],
)
def test_bad_uploads_get_a_message_by_the_field(client, assessor, data, message):
    client.force_login(assessor)

    response = client.post(reverse("portfolio:verify"), data)

    assert response.status_code == 400
    assert message in response.content
    assert b'id="error_1_id_export"' in response.content


@pytest.mark.parametrize("role", ["learner", "processor"])
def test_verification_page_is_for_assessors_and_supervisors(client, db, role):
    client.force_login(UserFactory(role=role))

    assert client.get(reverse("portfolio:verify")).status_code == 403
