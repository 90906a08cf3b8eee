/**
 * Log lines for the redaction filter (test/components/observability/redaction.tools.test.ts and
 * test/bench/redaction.ts): lines carrying a credential in every form the filter masks by value,
 * each with the credentials that must disappear and the exact line expected, and ordinary lines
 * that must come out unchanged. The credentials are made up (AWS's documented example keys included).
 */

export interface SecretLine {
    /** The VALUE_PATTERNS form the line exercises. */
    form: string;
    line: string;
    /** Substrings that must not survive the filter. */
    secrets: string[];
    expected: string;
}

const PEM_BODY = "MIIEowIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM2Xl8\nq5Vx5Y1m8K3sJvQ0YpP4nW2cE8dR7fL6hG9jK0mN1o";

export const SECRET_LINES: SecretLine[] = [
    {
        form: "key-value",
        line: "login failed for user alice password=hunter2",
        secrets: ["hunter2"],
        expected: "login failed for user alice password=[REDACTED]",
    },
    {
        form: "key-value",
        line: "DB_PASSWORD=pg-s3cret-value ./migrate --up",
        secrets: ["pg-s3cret-value"],
        expected: "DB_PASSWORD=[REDACTED] ./migrate --up",
    },
    {
        form: "key-value",
        line: "retrying with passwd: Tr0ub4dor!3",
        secrets: ["Tr0ub4dor!3"],
        expected: "retrying with passwd: [REDACTED]",
    },
    {
        form: "key-value",
        line: "client_secret=9f8e7d6c5b4a;grant_type=client_credentials",
        secrets: ["9f8e7d6c5b4a"],
        expected: "client_secret=[REDACTED];grant_type=client_credentials",
    },
    {
        form: "key-value",
        line: "Server=tcp:db,1433;User Id=sa;Password=Str0ng!Pass;Encrypt=true",
        secrets: ["Str0ng!Pass"],
        expected: "Server=tcp:db,1433;User Id=sa;Password=[REDACTED];Encrypt=true",
    },
    {
        form: "key-value",
        line: "Cookie: claude-session=abc123def456; theme=dark",
        secrets: ["abc123def456"],
        expected: "Cookie: [REDACTED]; theme=dark",
    },
    {
        form: "key-value",
        line: "token=ghp_16C7e42F292c6912E7710c838347Ae178B4a pushed",
        secrets: ["ghp_16C7e42F292c6912E7710c838347Ae178B4a"],
        expected: "token=[REDACTED] pushed",
    },
    {
        form: "quoted-key-value",
        line: 'spring.datasource.password = "correct horse battery"',
        secrets: ["correct horse battery"],
        expected: 'spring.datasource.password = "[REDACTED]"',
    },
    {
        form: "quoted-key-value",
        line: "connect host=db port=5432 user=app password='p@ss w0rd' sslmode=require",
        secrets: ["p@ss w0rd", "w0rd"],
        expected: "connect host=db port=5432 user=app password='[REDACTED]' sslmode=require",
    },
    {
        form: "quoted-key-value",
        line: 'request body: {"user":"alice","password":"hunter2"}',
        secrets: ["hunter2"],
        expected: 'request body: {"user":"alice","password":"[REDACTED]"}',
    },
    {
        form: "quoted-key-value",
        line: '{"level":"error","msg":"auth failed","api_key":"sk-live-51Habc"}',
        secrets: ["sk-live-51Habc"],
        expected: '{"level":"error","msg":"auth failed","api_key":"[REDACTED]"}',
    },
    {
        form: "quoted-key-value",
        line: 'payload={"refresh_token": "8xLOxBtZp8", "scope": "read"}',
        secrets: ["8xLOxBtZp8"],
        expected: 'payload={"refresh_token": "[REDACTED]", "scope": "read"}',
    },
    {
        form: "quoted-key-value",
        line: 'config {"redis": {"auth_token": "tok with spaces"}}',
        secrets: ["tok with spaces", "spaces"],
        expected: 'config {"redis": {"auth_token": "[REDACTED]"}}',
    },
    {
        form: "quoted-key-value",
        line: '{"Secret":"s3cr3t","x-api-key":"abc123"}',
        secrets: ["s3cr3t", "abc123"],
        expected: '{"Secret":"[REDACTED]","x-api-key":"[REDACTED]"}',
    },
    { form: "key-value", line: '{"pin_token": 123456}', secrets: ["123456"], expected: '{"pin_token": [REDACTED]}' },
    {
        form: "authorization-scheme",
        line: "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.sig_abc-123",
        secrets: ["eyJhbGciOiJIUzI1NiJ9", "sig_abc-123"],
        expected: "Authorization: Bearer [REDACTED]",
    },
    {
        form: "authorization-scheme",
        line: "GET /api/v1/workflows headers={'authorization': 'Bearer abcdef123456'}",
        secrets: ["abcdef123456"],
        expected: "GET /api/v1/workflows headers={'authorization': '[REDACTED]'}",
    },
    {
        form: "authorization-scheme",
        line: 'curl -H "Authorization: bearer 0a1b2c3d4e5f6a7b" https://api.example.com',
        secrets: ["0a1b2c3d4e5f6a7b"],
        expected: 'curl -H "Authorization: bearer [REDACTED]" https://api.example.com',
    },
    {
        form: "authorization-scheme",
        line: "upstream call with BEARER ya29.a0AfH6SMBx-token failed",
        secrets: ["ya29.a0AfH6SMBx-token"],
        expected: "upstream call with BEARER [REDACTED] failed",
    },
    {
        form: "authorization-scheme",
        line: "Authorization: Basic dXNlcjpwYXNzd29yZA==",
        secrets: ["dXNlcjpwYXNzd29yZA"],
        expected: "Authorization: Basic [REDACTED]",
    },
    {
        form: "aws-access-key-id",
        line: "using AWS key AKIAIOSFODNN7EXAMPLE for s3 upload",
        secrets: ["AKIAIOSFODNN7EXAMPLE"],
        expected: "using AWS key [REDACTED] for s3 upload",
    },
    {
        form: "aws-access-key-id",
        line: "aws_access_key_id=AKIAI44QH8DHBEXAMPLE",
        secrets: ["AKIAI44QH8DHBEXAMPLE"],
        expected: "aws_access_key_id=[REDACTED]",
    },
    {
        form: "aws-access-key-id",
        line: "sts credentials ASIAY34FZKBOKMUTVV7A expire at 12:00",
        secrets: ["ASIAY34FZKBOKMUTVV7A"],
        expected: "sts credentials [REDACTED] expire at 12:00",
    },
    {
        form: "aws-access-key-id",
        line: '{"AccessKeyId":"ASIAJEXAMPLEXEG2JICE","Expiration":"2025-01-01T00:00:00Z"}',
        secrets: ["ASIAJEXAMPLEXEG2JICE"],
        expected: '{"AccessKeyId":"[REDACTED]","Expiration":"2025-01-01T00:00:00Z"}',
    },
    {
        form: "aws-secret-access-key",
        line: "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        secrets: ["wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"],
        expected: "aws_secret_access_key = [REDACTED]",
    },
    {
        form: "aws-secret-access-key",
        line: "loaded wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY from the environment",
        secrets: ["wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"],
        expected: "loaded [REDACTED] from the environment",
    },
    {
        form: "aws-secret-access-key",
        line: "AWS_SECRET_ACCESS_KEY: je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
        secrets: ["je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"],
        expected: "AWS_SECRET_ACCESS_KEY: [REDACTED]",
    },
    {
        form: "aws-secret-access-key",
        line: "signing request with je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY (sigv4)",
        secrets: ["je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"],
        expected: "signing request with [REDACTED] (sigv4)",
    },
    {
        form: "pem-private-key",
        line: `tls key loaded: -----BEGIN RSA PRIVATE KEY-----\n${PEM_BODY}\n-----END RSA PRIVATE KEY----- ok`,
        secrets: ["MIIEowIBAAKCAQEA", "hG9jK0mN1o"],
        expected: "tls key loaded: [REDACTED] ok",
    },
    {
        form: "pem-private-key",
        line: "-----BEGIN PRIVATE KEY----- MIIEvQIBADANBgkqhkiG9w0BAQEFAASC -----END PRIVATE KEY----- trailing",
        secrets: ["MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"],
        expected: "[REDACTED] trailing",
    },
    {
        form: "pem-private-key",
        line: "-----BEGIN OPENSSH PRIVATE KEY-----b3BlbnNzaC1rZXktdjEAAAAABG5vbmU",
        secrets: ["b3BlbnNzaC1rZXktdjEAAAAABG5vbmU"],
        expected: "[REDACTED]",
    },
    {
        form: "pem-private-key",
        line: 'key={"private_key": "-----BEGIN EC PRIVATE KEY-----\\nMHcCAQEEIBYr\\n-----END EC PRIVATE KEY-----\\n"}',
        secrets: ["MHcCAQEEIBYr"],
        expected: 'key={"private_key": "[REDACTED]"}',
    },
    {
        form: "connection-string-password",
        line: "connecting to postgresql://app:Sup3rS3cret@db.internal:5432/claude",
        secrets: ["Sup3rS3cret"],
        expected: "connecting to postgresql://app:[REDACTED]@db.internal:5432/claude",
    },
    {
        form: "connection-string-password",
        line: "REDIS_URL=redis://:authTok3n@redis-master:6379/0",
        secrets: ["authTok3n"],
        expected: "REDIS_URL=redis://:[REDACTED]@redis-master:6379/0",
    },
    {
        form: "connection-string-password",
        line: "mongodb+srv://admin:pa55word@cluster0.example.net/test?retryWrites=true",
        secrets: ["pa55word"],
        expected: "mongodb+srv://admin:[REDACTED]@cluster0.example.net/test?retryWrites=true",
    },
    {
        form: "connection-string-password",
        line: "broker amqp://guest:guest@rabbitmq:5672/ unreachable",
        secrets: ["guest@"],
        expected: "broker amqp://guest:[REDACTED]@rabbitmq:5672/ unreachable",
    },
    {
        form: "connection-string-password",
        line: 'DATABASE_URL="postgres://claude:x9!kLm@pg-primary/claude?sslmode=require"',
        secrets: ["x9!kLm"],
        expected: 'DATABASE_URL="postgres://claude:[REDACTED]@pg-primary/claude?sslmode=require"',
    },
];

/** Ordinary lines, some close to a credential form (words like token/secret/bearer without a value, hex digests, URLs without credentials). */
export const CLEAN_LINES: string[] = [
    "GET /health/ready 200 1.2ms",
    'INFO:     10.0.3.17:52144 - "GET /metrics HTTP/1.1" 200 OK',
    "workflow 7f3c2a1e-9b4d-4e8f-a6c2-1d2e3f4a5b6c phase=implementation duration=12.4s",
    "agent code-reviewer loaded (61/61 healthy)",
    "deploy commit 3f786850e387550fdab836ed7e6dc881de23001b rolled out",
    "image sha256:4a5b6c7d8e9f00112233445566778899aabbccddeeff00112233445566778899 pulled",
    "user alice logged in from 192.168.1.20",
    "password reset email sent to user 4711",
    "token bucket refilled: 100 tokens available",
    "rotating secrets is scheduled for Sunday",
    "Bearer authentication failed for client web-ui",
    "basic auth disabled by config",
    "connecting to postgresql://db.internal:5432/claude",
    "redis://redis-master:6379/0 ready",
    "https://api.example.com/v1/users?id=42&sort=asc fetched",
    '{"level":"info","msg":"request done","status":200,"latency_ms":12}',
    '{"user":"bob","action":"workflow.start","workflow_id":"wf-123"}',
    "AKIA prefix check disabled",
    "pod claude-enhancer-stable-6d8f9c7b5-x2k4q started",
    "trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7",
    "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    "upload s3://ce-logs-production/kubernetes/2025/01/01/part-0001.gz done",
    "migrating schema version 41 -> 42",
    "cache hit ratio 0.97 evictions=0",
    "HPA scaled claude-enhancer from 3 to 5 replicas (cpu 78%)",
    "tokenizer vocabulary loaded: 50257 entries",
    "key rotation completed for kms alias/claude-enhancer-staging",
    "-----BEGIN CERTIFICATE----- loaded ca bundle",
    "request_id=5f2b8c1e-77aa-4a0e-9c1b-2d3e4f5a6b7c method=POST path=/api/workflows",
    "base64 payload dGhpcyBpcyBhIHRlc3Q= decoded",
    "etag 0a1b2c3d4e5f60718293a4b5c6d7e8f901234567 matched",
    "notification sent to oncall@example.com",
    "cloning git@github.com:org/repo.git",
    'time=2025-01-01T12:00:00Z level=warn msg="slow query" duration=812ms',
    "Passwordless login enabled for tenant acme",
    "GET /api/v1/tokens/validate 401",
    "canary weight 10% stage=canary-expand gate=passed",
];
