from rcm_patients.models import Base
from rcm_shared.db.migrations import run_env
from rcm_shared.idempotency import metadata as idempotency_metadata
from rcm_shared.messaging.tables import messaging_metadata

run_env(Base.metadata, messaging_metadata, idempotency_metadata)
