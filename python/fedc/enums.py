# SPDX-License-Identifier: Apache-2.0
"""The values of the free-string fields of the Control API, and the caps
the coordinator's codecs enforce (proto/fl_msg.h, proto/fl_codec_events.h).

The wire keeps these fields as strings (changing them to enums would break
agents and coordinators in the field); the allowed values are listed here
and in the .proto comments.
"""
import enum


class _Str(str, enum.Enum):
    def __str__(self):
        return self.value


class JobState(_Str):
    """JobInfo.state, JobStats.state, EventList.job_state."""
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    ABORTED = "aborted"

    @property
    def final(self):
        return self in (JobState.DONE, JobState.FAILED, JobState.ABORTED)


class RoundState(_Str):
    """RoundInfo.state."""
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class RoundKind(_Str):
    """RoundInfo.kind."""
    STATS = "stats"
    TRAIN = "train"
    EVAL = "eval"


class ModelKind(_Str):
    """JobInfo.model and the spec's [job] model; the native model file
    stores the number (Model.kind_id)."""
    LINEAR = "linear"
    LOGISTIC = "logistic"
    SOFTMAX = "softmax"
    MLP = "mlp"


# Native model kind numbers (common/fl_jobspec.h enum fl_model_kind).
MODEL_KIND_IDS = {1: ModelKind.LINEAR, 2: ModelKind.LOGISTIC,
                  3: ModelKind.SOFTMAX, 4: ModelKind.MLP}


class EventKind(_Str):
    """JobEvent.kind (coordinator/coord_events.h)."""
    ROUND_STARTED = "round_started"
    PHASE_CLOSED = "phase_closed"
    SITE_DROPPED = "site_dropped"
    ATTEMPT_FAILED = "attempt_failed"
    MODEL_COMMITTED = "model_committed"
    JOB_STATE = "job_state"
    SITE_DECLINED = "site_declined"


class Role(_Str):
    """SiteInfo.role, SiteAdd.role."""
    SITE = "site"
    ADMIN = "admin"
    VIEWER = "viewer"


class DeclineReason(enum.IntEnum):
    """agent.proto DeclineReason (a real protobuf enum on the wire)."""
    UNSPECIFIED = 0
    DATASET_MISSING = 1
    COLUMN_MISSING = 2
    LABEL_NOT_IN_JOB = 3
    POLICY = 4
    TRAINER_FAILED = 5
    DIVERGED = 6
    DATA_UNUSABLE = 7
    POLICY_ROUND = 8
    BUDGET = 9


def parse(cls, value):
    """cls(value), or the plain string if this client does not know it yet
    (a newer coordinator may add values)."""
    try:
        return cls(value)
    except ValueError:
        return value


# Caps of the coordinator's codecs: a message that breaks one is refused
# (INVALID_ARGUMENT from the coordinator, or a decode error in fedctl).
# Strings are in bytes of UTF-8.
CAPS = {
    "message_bytes": 1024 * 1024 + 4096,   # any one message
    "chunk_bytes": 1024 * 1024,            # ModelChunk / BackupChunk data
    "spec_bytes": 65536,                   # JobSubmit.spec
    "spec_sig_bytes": 80,                  # JobSubmit.spec_sig
    "spec_cert_bytes": 16 * 1024,          # JobSubmit.spec_cert
    "name_bytes": 63,                      # job, site, dataset, feature,
                                           # label names, submitted_by
    "state_bytes": 15,                     # state, kind, model, role
    "error_bytes": 255,                    # JobInfo.error
    "list_entries": 10000,                 # jobs, rounds, sites, declines,
                                           # ledger entries, site metrics
    "participants": 1000,                  # RoundInfo.participants
    "closed_by_bytes": 95,                 # RoundInfo.closed_by
    "decline_text_bytes": 240,             # SiteDecline.text
    "ledger_text_bytes": 256 * 1024,       # LedgerEntry.text
    "ledger_page_bytes": 512 * 1024,       # entries in one LedgerList
    "ledger_cert_bytes": 64 * 1024,        # LedgerList.cert_pem
    "stats_features": 4096,                # JobStats.features
    "stats_labels": 256,                   # JobStats.labels
    "events_per_reply": 2000,              # EventList.events, AuditList
    "event_kind_bytes": 31,
    "event_text_bytes": 511,
    "audit_action_bytes": 63,
    "audit_detail_bytes": 1023,
    "site_datasets_bytes": 2047,           # SiteDetail.datasets
    "site_certs": 256,
    "site_jobs": 10000,
    "model_bytes": 1 << 30,                # a model fedctl accepts
}
