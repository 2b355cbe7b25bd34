from rcm_remittance.models import Base
from rcm_shared.db.migrations import run_env
from rcm_shared.messaging.tables import messaging_metadata

run_env(Base.metadata, messaging_metadata)
