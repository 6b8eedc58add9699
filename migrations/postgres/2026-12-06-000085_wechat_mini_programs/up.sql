-- WeChat sign-in for mini-programs (issue 8, item 7): each organisation's mini-program
-- credentials for `code2session`. The app secret is kept only encrypted (the personal-data
-- key ring, as notification gateway secrets are) and never answered.
CREATE TABLE wechat_mini_programs (
    org_id TEXT PRIMARY KEY NOT NULL REFERENCES organizations (id),
    app_id TEXT NOT NULL,
    secret_ciphertext TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
