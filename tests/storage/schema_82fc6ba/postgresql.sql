CREATE TABLE channel_link (
	id SERIAL NOT NULL, 
	team_id VARCHAR(32) NOT NULL, 
	channel_id VARCHAR(32) NOT NULL, 
	company_id BIGINT NOT NULL, 
	project_id BIGINT NOT NULL, 
	project_name TEXT NOT NULL, 
	linked_by VARCHAR(32) NOT NULL, 
	linked_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	locale VARCHAR(16), 
	PRIMARY KEY (id), 
	CONSTRAINT uq_channel_link UNIQUE (team_id, channel_id)
);

CREATE TABLE user_link (
	id SERIAL NOT NULL, 
	team_id VARCHAR(32) NOT NULL, 
	slack_user_id VARCHAR(32) NOT NULL, 
	procore_user_id BIGINT NOT NULL, 
	email VARCHAR(320) NOT NULL, 
	checked_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_user_link UNIQUE (team_id, slack_user_id)
);

CREATE TABLE card (
	id SERIAL NOT NULL, 
	team_id VARCHAR(32) NOT NULL, 
	channel_id VARCHAR(32) NOT NULL, 
	message_ts VARCHAR(32) NOT NULL, 
	company_id BIGINT NOT NULL, 
	project_id BIGINT NOT NULL, 
	project_name TEXT NOT NULL, 
	query TEXT NOT NULL, 
	page INTEGER NOT NULL, 
	pages INTEGER NOT NULL, 
	total INTEGER NOT NULL, 
	rows JSON NOT NULL, 
	listed JSON, 
	created_by VARCHAR(32) NOT NULL, 
	created_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	locale VARCHAR(16), 
	PRIMARY KEY (id), 
	CONSTRAINT uq_card_message UNIQUE (channel_id, message_ts)
);

CREATE TABLE unlink_attempt (
	id SERIAL NOT NULL, 
	reference VARCHAR(16) NOT NULL, 
	team_id VARCHAR(32) NOT NULL, 
	channel_id VARCHAR(32) NOT NULL, 
	card_ts VARCHAR(32) NOT NULL, 
	company_id BIGINT NOT NULL, 
	project_id BIGINT NOT NULL, 
	cco_id BIGINT NOT NULL, 
	cco_number TEXT NOT NULL, 
	slack_user_id VARCHAR(32) NOT NULL, 
	request_id INTEGER, 
	requested_by VARCHAR(32), 
	response_url VARCHAR, 
	procore_user_id BIGINT, 
	state VARCHAR(16) NOT NULL, 
	outcome VARCHAR(32), 
	detail VARCHAR, 
	created_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	updated_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	lease_until TIMESTAMP WITH TIME ZONE NOT NULL, 
	lease_token VARCHAR(32), 
	finished_at TIMESTAMP WITH TIME ZONE, 
	locale VARCHAR(16), 
	PRIMARY KEY (id), 
	UNIQUE (reference)
);

CREATE INDEX ix_unlink_attempt_project ON unlink_attempt (company_id, project_id, created_at);

CREATE UNIQUE INDEX uq_unlink_attempt_active ON unlink_attempt (company_id, cco_id) WHERE finished_at IS NULL;

CREATE TABLE audit_event (
	id SERIAL NOT NULL, 
	at TIMESTAMP WITH TIME ZONE NOT NULL, 
	reference VARCHAR(16) NOT NULL, 
	event VARCHAR(32) NOT NULL, 
	team_id VARCHAR(32) NOT NULL, 
	slack_user_id VARCHAR(32) NOT NULL, 
	company_id BIGINT NOT NULL, 
	project_id BIGINT NOT NULL, 
	cco_id BIGINT, 
	cco_number TEXT NOT NULL, 
	outcome VARCHAR(32), 
	detail JSON NOT NULL, 
	PRIMARY KEY (id)
);

CREATE INDEX ix_audit_event_reference ON audit_event (reference);

CREATE TABLE outbox (
	id SERIAL NOT NULL, 
	reference VARCHAR(16) NOT NULL, 
	kind VARCHAR(16) NOT NULL, 
	channel_id VARCHAR(32) NOT NULL, 
	thread_ts VARCHAR(32), 
	response_url VARCHAR, 
	payload JSON NOT NULL, 
	created_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	delivered_at TIMESTAMP WITH TIME ZONE, 
	claimed_until TIMESTAMP WITH TIME ZONE, 
	tries INTEGER NOT NULL, 
	last_error VARCHAR, 
	PRIMARY KEY (id)
);

CREATE INDEX ix_outbox_reference ON outbox (reference);

CREATE TABLE procore_budget (
	company_id BIGINT NOT NULL, 
	"limit" INTEGER NOT NULL, 
	remaining INTEGER NOT NULL, 
	reset_at FLOAT NOT NULL, 
	PRIMARY KEY (company_id)
);

CREATE TABLE seen_delivery (
	key VARCHAR(255) NOT NULL, 
	at TIMESTAMP WITH TIME ZONE NOT NULL, 
	PRIMARY KEY (key)
);

CREATE TABLE unlink_request (
	id SERIAL NOT NULL, 
	reference VARCHAR(16) NOT NULL, 
	team_id VARCHAR(32) NOT NULL, 
	channel_id VARCHAR(32) NOT NULL, 
	card_ts VARCHAR(32) NOT NULL, 
	message_ts VARCHAR(32), 
	company_id BIGINT NOT NULL, 
	project_id BIGINT NOT NULL, 
	project_name TEXT NOT NULL, 
	cco_id BIGINT NOT NULL, 
	cco_number TEXT NOT NULL, 
	cco_title TEXT NOT NULL, 
	contract_id BIGINT, 
	contract_type VARCHAR(64), 
	requester VARCHAR(32) NOT NULL, 
	reason VARCHAR(1000) NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	decided_by VARCHAR(32), 
	decision_reason VARCHAR(1000), 
	attempt_reference VARCHAR(16), 
	created_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	expires_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	decided_at TIMESTAMP WITH TIME ZONE, 
	locale VARCHAR(16), 
	PRIMARY KEY (id), 
	UNIQUE (reference)
);

CREATE UNIQUE INDEX uq_unlink_request_pending ON unlink_request (company_id, cco_id) WHERE status = 'pending';

CREATE TABLE slack_installation (
	team_id VARCHAR(32) NOT NULL, 
	state VARCHAR(16) NOT NULL, 
	changed_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	PRIMARY KEY (team_id)
);

CREATE TABLE procore_account (
	id SERIAL NOT NULL, 
	team_id VARCHAR(32) NOT NULL, 
	slack_user_id VARCHAR(32) NOT NULL, 
	procore_user_id BIGINT NOT NULL, 
	procore_user_name VARCHAR(255) NOT NULL, 
	access_token TEXT NOT NULL, 
	refresh_token TEXT NOT NULL, 
	version INTEGER NOT NULL, 
	expires_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	refresh_claimed_until TIMESTAMP WITH TIME ZONE, 
	connected_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	updated_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_procore_account_user UNIQUE (team_id, slack_user_id)
);

CREATE UNIQUE INDEX uq_procore_account_procore_user ON procore_account (team_id, procore_user_id);

CREATE TABLE link_state (
	state_hash VARCHAR(64) NOT NULL, 
	team_id VARCHAR(32) NOT NULL, 
	slack_user_id VARCHAR(32) NOT NULL, 
	expires_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	PRIMARY KEY (state_hash)
);
