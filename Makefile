# The commands the README names. Everything runs through deploy/uv, which installs uv
# from PyPI when the machine has none.
UV := deploy/uv
RUN := $(UV) run --frozen

.PHONY: help sync up down clean status logs test test-faults lint format contracts bench demo

help:
	@echo "make up        install, start PostgreSQL + Kafka + the five services + the console, print a token"
	@echo "make demo      make up, then run a billing company's day through it (stack stays up)"
	@echo "make test      install, start PostgreSQL + Kafka, run every test"
	@echo "make test-faults  only the fault tier (tests/faults)"
	@echo "make down      stop what make up started;  make clean  also delete its data"
	@echo "make status    what runs;  make logs [NAME=kafka]"
	@echo "make lint      ruff + mypy;  make contracts  regenerate shared/contracts"
	@echo "make bench     benchmarks, each beside its baseline"

sync:
	@$(UV) sync --frozen --quiet

up: sync
	@$(RUN) python deploy/stack.py up

# A new tenant per run, so it can be run again on the same stack; the stack stays up.
demo: up
	@$(RUN) python -m deploy.demo

down:
	@$(RUN) python deploy/stack.py down

clean:
	@$(RUN) python deploy/stack.py clean

status:
	@$(RUN) python deploy/stack.py status

logs:
	@$(RUN) python deploy/stack.py logs $(NAME)

test:
	@bash deploy/test.sh

# the fault tier alone: a billing day per injected fault, on a stack of its own
test-faults:
	@bash deploy/test.sh tests/faults

lint: sync
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy shared/src services/eligibility/src services/claims/src services/remittance/src services/denials/src services/patients/src console/src deploy/sandbox deploy/demo deploy/subscriber

format: sync
	$(RUN) ruff check --fix .
	$(RUN) ruff format .

# Benchmarks print our figures beside a baseline measured in the same run. wrk (Debian)
# generates HTTP load; without it the Python driver is the bottleneck.
bench: sync
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null; } || echo "wrk missing: apt-get install wrk"
	@$(RUN) python deploy/stack.py up --infra-only
	$(RUN) python -m bench.x12_reader
	$(RUN) python -m bench.claims_837p
	$(RUN) python -m bench.claims_cob
	$(RUN) python -m bench.claims_intake
	$(RUN) python -m bench.eligibility_271
	$(RUN) python -m bench.eligibility_batch
	$(RUN) python -m bench.remittance_835
	$(RUN) python -m bench.remittance_ingest
	$(RUN) python -m bench.denials_consume
	$(RUN) python -m bench.patients_consume

contracts: sync
	$(RUN) python -m rcm_shared.events.contracts
