"""Every background task runs its Job the same way: claimed once, progress as it goes, ended visibly."""

import pytest

from gongwu.core.jobs import claim, working
from gongwu.core.models import Job, JobStatus
from gongwu.core.testing import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def job():
    return Job.objects.create(kind="test", title="测试任务", user=UserFactory(), params={"step": "check"})


def test_a_job_is_claimed_once_and_only_for_its_step(job) -> None:
    assert claim(job.pk, "write") is None
    claimed = claim(job.pk, "check")
    assert claimed is not None and claimed.status == JobStatus.RUNNING
    assert claim(job.pk, "check") is None  # another worker finds it running


def test_progress_is_written_as_it_goes_and_the_end_once(job) -> None:
    job = claim(job.pk)
    with working(job) as work:
        work.set_total(450)
        for done in range(1, 451):
            work.progress(done)
            if done == 400:
                assert Job.objects.get(pk=job.pk).progress == 400
        work.done("450 行已处理", result={"rows": 450})
    stored = Job.objects.get(pk=job.pk)
    assert (stored.status, stored.progress, stored.total, stored.message) == (JobStatus.DONE, 450, 450, "450 行已处理")
    assert stored.result == {"rows": 450} and stored.finished is not None


def test_whatever_goes_wrong_the_job_ends_failed_with_the_reason(job) -> None:
    job = claim(job.pk)
    with working(job) as work:
        work.set_total(3)
        work.progress(1, every=1)
        raise ValueError("第 2 行无法读取")
    stored = Job.objects.get(pk=job.pk)
    assert (stored.status, stored.message, stored.progress) == (JobStatus.FAILED, "第 2 行无法读取", 1)
    assert stored.finished is not None


def test_a_job_waiting_for_confirmation_is_not_finished(job) -> None:
    job = claim(job.pk, "check")
    with working(job) as work:
        work.wait("待确认", result={"preview": True}, params={"step": "write"})
    stored = Job.objects.get(pk=job.pk)
    assert (stored.status, stored.finished, stored.params) == (JobStatus.PREVIEW, None, {"step": "write"})
