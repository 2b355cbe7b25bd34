"""patient accounts, visits, adjudications, ledger, payments, refunds, statements, plans;
outbox, inbox, idempotency keys

Revision ID: 0001
Revises:
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from rcm_shared import idempotency
from rcm_shared.db.migrations import plan_for_big_tenants
from rcm_shared.messaging.migration_ops import (
    create_messaging_tables_v1,
    create_outbox_notify_trigger_v1,
    drop_messaging_tables_v1,
    drop_outbox_notify_trigger_v1,
    outbox_payload_as_json_v1,
)

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('account_patients',
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('patient_key', sa.String(length=32), nullable=False),
    sa.Column('account_id', sa.String(length=36), nullable=False),
    sa.Column('payer_id', sa.String(length=80), nullable=False),
    sa.Column('first_name', sa.String(length=60), nullable=True),
    sa.Column('last_name', sa.String(length=60), nullable=True),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.PrimaryKeyConstraint('tenant_id', 'patient_key', name=op.f('pk_account_patients'))
    )
    op.create_index('ix_account_patients_account', 'account_patients', ['tenant_id', 'account_id'], unique=False)
    op.create_table('accounts',
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('clinic_id', sa.String(length=36), nullable=False),
    sa.Column('account_number', sa.String(length=30), nullable=True),
    sa.Column('registered', sa.Boolean(), nullable=False),
    sa.Column('guarantor', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('collections_flagged_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_accounts'))
    )
    op.create_index('ix_accounts_clinic', 'accounts', ['tenant_id', 'clinic_id'], unique=False)
    op.create_table('adjudications',
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('payment_id', sa.String(length=64), nullable=False),
    sa.Column('claim_id', sa.String(length=36), nullable=False),
    sa.Column('visit_id', sa.String(length=36), nullable=True),
    sa.Column('event_id', sa.String(length=64), nullable=False),
    sa.Column('remittance_id', sa.String(length=64), nullable=False),
    sa.Column('payer_id', sa.String(length=80), nullable=False),
    sa.Column('claim_status_code', sa.String(length=2), nullable=False),
    sa.Column('is_reversal', sa.Boolean(), nullable=False),
    sa.Column('reversed_payment_id', sa.String(length=64), nullable=True),
    sa.Column('crossover_payer', sa.String(length=80), nullable=True),
    sa.Column('paid_amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('patient_responsibility', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('shares', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('line_paid', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('remittance_date', sa.Date(), nullable=False),
    sa.Column('seq', sa.BigInteger(), sa.Identity(always=True), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'payment_id', name=op.f('pk_adjudications'))
    )
    op.create_index('ix_adjudications_claim', 'adjudications', ['tenant_id', 'claim_id'], unique=False)
    op.create_index('ix_adjudications_visit', 'adjudications', ['tenant_id', 'visit_id'], unique=False)
    op.create_table('clinic_directory',
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('clinic_id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('npi', sa.String(length=10), nullable=False),
    sa.Column('address', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('pay_to_address', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'clinic_id', name=op.f('pk_clinic_directory'))
    )
    op.create_table('ledger_entries',
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('id', sa.BigInteger(), sa.Identity(always=True), nullable=False),
    sa.Column('account_id', sa.String(length=36), nullable=False),
    sa.Column('visit_id', sa.String(length=36), nullable=True),
    sa.Column('claim_id', sa.String(length=36), nullable=True),
    sa.Column('line_key', sa.String(length=60), nullable=True),
    sa.Column('category', sa.String(length=16), nullable=True),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('posted_on', sa.Date(), nullable=False),
    sa.Column('event_id', sa.String(length=64), nullable=True),
    sa.Column('remittance_id', sa.String(length=64), nullable=True),
    sa.Column('payment_id', sa.String(length=64), nullable=True),
    sa.Column('patient_payment_id', sa.String(length=36), nullable=True),
    sa.Column('refund_id', sa.String(length=36), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_ledger_entries'))
    )
    op.create_index('ix_ledger_account', 'ledger_entries', ['tenant_id', 'account_id'], unique=False)
    op.create_index('ix_ledger_visit', 'ledger_entries', ['tenant_id', 'visit_id'], unique=False)
    op.create_table('patient_payments',
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('account_id', sa.String(length=36), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('method', sa.String(length=8), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=True),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('claim_id', sa.String(length=36), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_patient_payments'))
    )
    op.create_index('ix_patient_payments_account', 'patient_payments', ['tenant_id', 'account_id'], unique=False)
    op.create_table('payment_plans',
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('account_id', sa.String(length=36), nullable=False),
    sa.Column('total', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('installment_amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('installments', sa.SmallInteger(), nullable=False),
    sa.Column('day_of_month', sa.SmallInteger(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('missed', sa.SmallInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_payment_plans'))
    )
    op.create_index('ix_payment_plans_account', 'payment_plans', ['tenant_id', 'account_id'], unique=False)
    op.create_table('plan_installments',
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('plan_id', sa.String(length=36), nullable=False),
    sa.Column('number', sa.SmallInteger(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('paid', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'plan_id', 'number', name=op.f('pk_plan_installments'))
    )
    op.create_table('refunds',
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('account_id', sa.String(length=36), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('method', sa.String(length=8), nullable=True),
    sa.Column('reference', sa.String(length=64), nullable=True),
    sa.Column('issued_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_refunds'))
    )
    op.create_index('ix_refunds_account', 'refunds', ['tenant_id', 'account_id'], unique=False)
    op.create_table('statement_policies',
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('clinic_id', sa.String(length=36), nullable=False),
    sa.Column('rules', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'clinic_id', name=op.f('pk_statement_policies'))
    )
    op.create_table('statement_runs',
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('clinic_id', sa.String(length=36), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('summary', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_statement_runs'))
    )
    op.create_table('statements',
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('account_id', sa.String(length=36), nullable=False),
    sa.Column('clinic_id', sa.String(length=36), nullable=False),
    sa.Column('run_id', sa.String(length=36), nullable=True),
    sa.Column('notice', sa.String(length=16), nullable=False),
    sa.Column('level', sa.SmallInteger(), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('balance', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('amount_due', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('pending_insurance', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('document', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_statements'))
    )
    op.create_index('ix_statements_account', 'statements', ['tenant_id', 'account_id'], unique=False)
    op.create_table('visit_claims',
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('claim_id', sa.String(length=36), nullable=False),
    sa.Column('visit_id', sa.String(length=36), nullable=False),
    sa.Column('level', sa.SmallInteger(), nullable=False),
    sa.Column('payer_id', sa.String(length=80), nullable=False),
    sa.Column('next_payer_id', sa.String(length=80), nullable=True),
    sa.Column('frequency_code', sa.String(length=1), nullable=False),
    sa.Column('seq', sa.BigInteger(), sa.Identity(always=True), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'claim_id', name=op.f('pk_visit_claims'))
    )
    op.create_index('ix_visit_claims_visit', 'visit_claims', ['tenant_id', 'visit_id'], unique=False)
    op.create_table('visits',
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('account_id', sa.String(length=36), nullable=False),
    sa.Column('clinic_id', sa.String(length=36), nullable=False),
    sa.Column('patient_key', sa.String(length=32), nullable=False),
    sa.Column('patient_control_number', sa.String(length=38), nullable=False),
    sa.Column('service_date_from', sa.Date(), nullable=False),
    sa.Column('service_date_to', sa.Date(), nullable=False),
    sa.Column('total_charge', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('lines', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('patient_due_since', sa.Date(), nullable=True),
    sa.Column('pending_insurance', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_visits'))
    )
    op.create_index('ix_visits_account', 'visits', ['tenant_id', 'account_id'], unique=False)
    create_messaging_tables_v1()
    create_outbox_notify_trigger_v1()
    outbox_payload_as_json_v1()
    idempotency.create_table_v1()
    # lookups by (tenant, key) stay index lookups for the biggest tenant too
    plan_for_big_tenants(
        op.execute,
        ["accounts", "account_patients", "visits", "visit_claims", "adjudications",
         "ledger_entries"],
    )


def downgrade() -> None:
    op.drop_table('idempotency_keys')
    drop_outbox_notify_trigger_v1()
    drop_messaging_tables_v1()
    op.drop_index('ix_visits_account', table_name='visits')
    op.drop_table('visits')
    op.drop_index('ix_visit_claims_visit', table_name='visit_claims')
    op.drop_table('visit_claims')
    op.drop_index('ix_statements_account', table_name='statements')
    op.drop_table('statements')
    op.drop_table('statement_runs')
    op.drop_table('statement_policies')
    op.drop_index('ix_refunds_account', table_name='refunds')
    op.drop_table('refunds')
    op.drop_table('plan_installments')
    op.drop_index('ix_payment_plans_account', table_name='payment_plans')
    op.drop_table('payment_plans')
    op.drop_index('ix_patient_payments_account', table_name='patient_payments')
    op.drop_table('patient_payments')
    op.drop_index('ix_ledger_visit', table_name='ledger_entries')
    op.drop_index('ix_ledger_account', table_name='ledger_entries')
    op.drop_table('ledger_entries')
    op.drop_table('clinic_directory')
    op.drop_index('ix_adjudications_visit', table_name='adjudications')
    op.drop_index('ix_adjudications_claim', table_name='adjudications')
    op.drop_table('adjudications')
    op.drop_index('ix_accounts_clinic', table_name='accounts')
    op.drop_table('accounts')
    op.drop_index('ix_account_patients_account', table_name='account_patients')
    op.drop_table('account_patients')
