/**
 * Log lines for the redaction filter (test/components/observability/redaction.tools.test.ts and
 * test/bench/redaction.ts), in the shapes the platform's containers write: uvicorn and the FastAPI
 * service (Python logging, JSON), PostgreSQL, Redis, Istio/Envoy access logs, and the platform's own
 * jobs and tools. Secret-bearing lines name every credential they carry and its form, so recall is
 * counted per credential, not per line; clean lines must come out unchanged, some of them close to a
 * credential (UUIDs, digests, trace ids, base64 that is no JWT, numbers that fail Luhn). Every
 * credential is made up (AWS's, Stripe's and the card networks' documented test values included).
 */
import { REDACTED, ValuePattern } from "../../../components/observability/redaction";
import { runLuaFilter } from "./tools";

export interface SecretLine {
    line: string;
    /** Each credential in the line, with the form whose rule it belongs to; none may survive the filter. */
    secrets: { form: ValuePattern; value: string }[];
    /** The line as the filter must leave it. */
    expected: string;
}

export type LogSource = "uvicorn" | "fastapi" | "postgres" | "redis" | "istio" | "platform";

export interface CleanLine {
    source: LogSource;
    line: string;
}

/**
 * A line with credentials of one form; unless `expected` is given, each value is replaced by
 * [REDACTED] and nothing else changes.
 */
function secret(form: ValuePattern, line: string, values: string[], expected?: string): SecretLine {
    const masked = values.reduce((text, value) => text.split(value).join(REDACTED), line);
    return { line, secrets: values.map((value) => ({ form, value })), expected: expected ?? masked };
}

const PEM_KEY =
    "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM2Xl8\nq5Vx5Y1m8K3sJvQ0YpP4nW2cE8dR7fL6hG9jK0mN1o\n-----END RSA PRIVATE KEY-----";
const JWT_RS256 =
    "eyJhbGciOiJSUzI1NiIsImtpZCI6ImNlLTIwMjYtMTIifQ.eyJzdWIiOiJ1c2VyXzQ3MTEiLCJleHAiOjE3OTY2MDAwMDB9." +
    "Q2xhdWRlRW5oYW5jZXJTaWduYXR1cmVfMDEyMzQ1Njc4OQ";
const JWT_HS256 = "eyJhbGciOiJIUzI1NiJ9.eyJzaWQiOiI5ZjhlN2Q2YyJ9.c2lnbmF0dXJlX3NhbXBsZQ";
const JWT_NONE = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.";
const SLACK_WEBHOOK_PATH = "T0O1P7QAOH/B01AHROQ26/oFjpkEZfw3YFPIUTOav7IaLp";
const ENVOY_TAIL =
    '"10.0.2.15:8080" outbound|8080||claude-enhancer.claude-enhancer.svc.cluster.local 10.0.1.9:51234 10.0.2.15:8080 10.0.1.5:0 - default';

export const SECRET_LINES: SecretLine[] = [
    // PEM private keys
    secret("pem-private-key", `tls key loaded: ${PEM_KEY} ok`, [PEM_KEY], "tls key loaded: [REDACTED] ok"),
    secret(
        "pem-private-key",
        "-----BEGIN PRIVATE KEY----- MIIEvQIBADANBgkqhkiG9w0BAQEFAASC -----END PRIVATE KEY----- trailing",
        ["-----BEGIN PRIVATE KEY----- MIIEvQIBADANBgkqhkiG9w0BAQEFAASC -----END PRIVATE KEY-----"],
        "[REDACTED] trailing",
    ),
    secret("pem-private-key", "-----BEGIN OPENSSH PRIVATE KEY-----b3BlbnNzaC1rZXktdjEAAAAABG5vbmU", [
        "-----BEGIN OPENSSH PRIVATE KEY-----b3BlbnNzaC1rZXktdjEAAAAABG5vbmU",
    ]),
    secret("pem-private-key", 'key={"private_key": "-----BEGIN EC PRIVATE KEY-----\\nMHcCAQEEIBYr\\n-----END EC PRIVATE KEY-----\\n"}', [
        "-----BEGIN EC PRIVATE KEY-----\\nMHcCAQEEIBYr\\n-----END EC PRIVATE KEY-----\\n",
    ]),
    secret(
        "pem-private-key",
        '2026-12-07 10:15:32,118 ERROR [app.signing] cannot parse key "-----BEGIN PRIVATE KEY-----MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgw" (truncated)',
        ["-----BEGIN PRIVATE KEY-----MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgw"],
        // Without its END line the key is masked to the end of the record.
        '2026-12-07 10:15:32,118 ERROR [app.signing] cannot parse key "[REDACTED]',
    ),

    // Passwords in URLs (userinfo)
    secret("url-password", "connecting to postgresql://app:Sup3rS3cret@db.internal:5432/claude", ["Sup3rS3cret"]),
    secret("url-password", "REDIS_URL=redis://:authTok3n@redis-master:6379/0", ["authTok3n"]),
    secret("url-password", "mongodb+srv://admin:pa55word@cluster0.example.net/test?retryWrites=true", ["pa55word"]),
    secret(
        "url-password",
        "broker amqp://guest:guest@rabbitmq:5672/ unreachable",
        ["guest"],
        "broker amqp://guest:[REDACTED]@rabbitmq:5672/ unreachable",
    ),
    secret("url-password", 'DATABASE_URL="postgres://claude:x9!kLm@pg-primary/claude?sslmode=require"', ["x9!kLm"]),
    secret(
        "url-password",
        "2026-12-07 10:15:33,004 INFO [sqlalchemy.engine] connecting to postgresql+asyncpg://claude_app:Zk7%40pQ9xL2@pg-primary.claude-enhancer.svc:5432/claude",
        ["Zk7%40pQ9xL2"],
    ),
    secret(
        "url-password",
        "2026-12-07 10:15:33,010 WARNING [app.cache] redis connection lost: rediss://default:Rt5vWq8nZp3k@master.ce-prod.abc123.use1.cache.amazonaws.com:6379/0, retrying",
        ["Rt5vWq8nZp3k"],
    ),
    secret("url-password", "[2026-12-07 10:15:33,412: INFO/MainProcess] Connected to amqp://worker:Wk3r@Rabbit!9@rabbit:5672//", [
        "Wk3r@Rabbit!9",
    ]),
    secret(
        "url-password",
        "+ git clone https://x-access-token:ghs_DTjqIdl9PaCXjw4KKAetC30DwaxkYqlEw4Hd@github.com/claude/enhancer-config.git",
        ["ghs_DTjqIdl9PaCXjw4KKAetC30DwaxkYqlEw4Hd"],
    ),
    secret("url-password", "HTTPS_PROXY=http://proxyuser:Pr0xy!pass@proxy.corp.internal:3128 set for pip", ["Pr0xy!pass"]),
    secret(
        "url-password",
        `[2026-12-07T10:15:33.977Z] "GET /v1/fetch?source=https://svc:T0kenPass9@internal.example.com/data HTTP/1.1" 200 - via_upstream - "-" 0 2311 84 83 "10.0.1.5" "python-httpx/0.27.0" "0c8e9f4a-3b2d-4c1e-9f8a-7b6c5d4e3f2a" "claude-enhancer.example.com" ${ENVOY_TAIL}`,
        ["T0kenPass9"],
    ),

    // Authorization headers
    secret("authorization-scheme", "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.sig_abc-123", [
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.sig_abc-123",
    ]),
    secret(
        "authorization-scheme",
        "GET /api/v1/workflows headers={'authorization': 'Bearer abcdef123456'}",
        ["abcdef123456"],
        "GET /api/v1/workflows headers={'authorization': '[REDACTED]'}",
    ),
    secret("authorization-scheme", 'curl -H "Authorization: bearer 0a1b2c3d4e5f6a7b" https://api.example.com', ["0a1b2c3d4e5f6a7b"]),
    secret("authorization-scheme", "upstream call with BEARER ya29.a0AfH6SMBx-token failed", ["ya29.a0AfH6SMBx-token"]),
    secret("authorization-scheme", "Authorization: Basic dXNlcjpwYXNzd29yZA==", ["dXNlcjpwYXNzd29yZA=="]),
    secret(
        "authorization-scheme",
        "2026-12-07 10:15:34,220 DEBUG [httpx] request headers: {'authorization': 'Bearer 7f9a8b6c5d4e3f2a1b0c9d8e7f6a5b4c', 'user-agent': 'python-httpx/0.27.0'}",
        ["7f9a8b6c5d4e3f2a1b0c9d8e7f6a5b4c"],
        "2026-12-07 10:15:34,220 DEBUG [httpx] request headers: {'authorization': '[REDACTED]', 'user-agent': 'python-httpx/0.27.0'}",
    ),
    secret(
        "authorization-scheme",
        "2026-12-07 10:15:34,301 WARNING [app.upstream] 401 from registry; retried with Basic Y2xhdWRlOmVuaGFuY2Vy",
        ["Y2xhdWRlOmVuaGFuY2Vy"],
    ),
    secret("authorization-scheme", "proxy-authorization: Basic cHJveHk6c2VjcmV0MTIz", ["cHJveHk6c2VjcmV0MTIz"]),

    // JWTs without a scheme
    secret("jwt", `2026-12-07 10:15:35,501 WARNING [app.auth] token expired: ${JWT_RS256}`, [JWT_RS256]),
    secret("jwt", `INFO:     10.0.3.17:52144 - "GET /v1/ws?ticket=${JWT_HS256} HTTP/1.1" 101 Switching Protocols`, [JWT_HS256]),
    secret(
        "jwt",
        `[2026-12-07T10:15:36.002Z] "GET /v1/sessions/${JWT_HS256} HTTP/1.1" 404 NR route_not_found - "-" 0 0 0 - "10.0.1.5" "python-requests/2.32.3" "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f" "claude-enhancer.example.com" "-" - - 10.0.2.15:8080 10.0.1.5:41234 - -`,
        [JWT_HS256],
    ),
    secret("jwt", `{"level":"warning","logger":"app.auth","msg":"rejected","jwt":"${JWT_RS256}"}`, [JWT_RS256]),
    secret("jwt", `2026-12-07 10:15:36,733 ERROR [app.auth] unsigned token refused: ${JWT_NONE}`, [JWT_NONE]),
    secret("jwt", `refresh failed for session ${JWT_HS256}: upstream 503`, [JWT_HS256]),
    secret(
        "jwt",
        `2026-12-07 10:15:37.120 UTC [4121] claude_app@claude LOG:  statement: INSERT INTO audit (actor, claims) VALUES (42, '${JWT_RS256}')`,
        [JWT_RS256],
    ),

    // Provider keys by prefix
    secret(
        "github-token",
        "2026-12-07 10:15:40,112 ERROR [app.integrations.github] 401 Bad credentials for ghp_PESr9smeeq0Ivqx10zlp6pF0eU6OKPfN1BXA",
        ["ghp_PESr9smeeq0Ivqx10zlp6pF0eU6OKPfN1BXA"],
    ),
    secret("github-token", "token=ghp_16C7e42F292c6912E7710c838347Ae178B4a pushed", ["ghp_16C7e42F292c6912E7710c838347Ae178B4a"]),
    secret(
        "github-token",
        "GITHUB_TOKEN is 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 (fine-grained)",
        ["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"],
    ),
    secret("github-token", "oauth callback issued gho_VdQCwa20PEqiN8vNPoT0HjgzWt6VY7cXRHfk for user 4711", [
        "gho_VdQCwa20PEqiN8vNPoT0HjgzWt6VY7cXRHfk",
    ]),
    secret(
        "github-token",
        '{"event":"app.installation","installation":42,"note":"ghu_HpknWVFJfvvWdzvOhtqYJSSftDDsGhLb6sn4 expires in 8h"}',
        ["ghu_HpknWVFJfvvWdzvOhtqYJSSftDDsGhLb6sn4"],
    ),
    secret(
        "github-token",
        "refresh with ghr_XEJI59RhaLdxZmsSN2gcJBAVDVal592wVaNmoym1Vv1y04ewcle2fsoi8DM0EgoMx2rbQFktIDn1 failed: bad_refresh_token",
        ["ghr_XEJI59RhaLdxZmsSN2gcJBAVDVal592wVaNmoym1Vv1y04ewcle2fsoi8DM0EgoMx2rbQFktIDn1"],
    ),
    secret("slack-token", "slack notify failed: invalid_auth (token xoxb-392291721550-7418738873843-9Cp166L91p9GGHiUOo0DkGiK)", [
        "xoxb-392291721550-7418738873843-9Cp166L91p9GGHiUOo0DkGiK",
    ]),
    secret("slack-token", "using user token xoxp-169362578200-084127634834-4416599939771-5c7e015fcc0014d6a776553721af3fe9 for export", [
        "xoxp-169362578200-084127634834-4416599939771-5c7e015fcc0014d6a776553721af3fe9",
    ]),
    secret(
        "slack-token",
        "socket mode: connecting with xapp-1-A0PJJC70091-3839389273159-69d26f2cda3fd5c667a87bf51b5ad3e14e99dd029b371b490eff215d4e627110",
        ["xapp-1-A0PJJC70091-3839389273159-69d26f2cda3fd5c667a87bf51b5ad3e14e99dd029b371b490eff215d4e627110"],
    ),
    secret("slack-token", `POST https://hooks.slack.com/services/${SLACK_WEBHOOK_PATH} returned 404 no_service`, [SLACK_WEBHOOK_PATH]),
    secret(
        "slack-token",
        `ts=2026-12-07T10:15:42.001Z caller=notify.go:848 level=warn component=dispatcher receiver=slack-critical integration=slack[0] msg="Notify attempt failed, will retry later" attempts=1 err="Post \\"https://hooks.slack.com/services/${SLACK_WEBHOOK_PATH}\\": dial tcp: i/o timeout"`,
        [SLACK_WEBHOOK_PATH],
    ),
    secret("stripe-secret-key", "2026-12-07 10:15:43,020 INFO [app.billing] stripe client ready (sk_live_51BwyHECQPJ9QaXTHz0hsR3T)", [
        "sk_live_51BwyHECQPJ9QaXTHz0hsR3T",
    ]),
    secret("stripe-secret-key", "restricted key rk_live_51OW8KyaDsQWmZQouhJFUgvehA9DDmZk lacks charges:write", [
        "rk_live_51OW8KyaDsQWmZQouhJFUgvehA9DDmZk",
    ]),
    secret("stripe-secret-key", '{"level":"debug","msg":"stripe test mode","key":"sk_test_51ieQUYJKTU9oaiMoXr3HONPHX7jmvfg"}', [
        "sk_test_51ieQUYJKTU9oaiMoXr3HONPHX7jmvfg",
    ]),
    secret("stripe-secret-key", "webhook signature mismatch with whsec_eqjeglVQlGntKdvekUgb55IWlocsb8hX", [
        "whsec_eqjeglVQlGntKdvekUgb55IWlocsb8hX",
    ]),
    secret(
        "sk-api-key",
        "2026-12-07 10:15:44,118 ERROR [app.agents] anthropic.AuthenticationError 401 invalid x-api-key sk-ant-api03-gqg-l5nrN-QWRi_SU9M-yCECSnNLvZ-I1Hdxo7fh5EHmotFM3HJfwh6pkFRtocDdG_Ra2kcVKmpwtwcK-fVp_tAA",
        ["sk-ant-api03-gqg-l5nrN-QWRi_SU9M-yCECSnNLvZ-I1Hdxo7fh5EHmotFM3HJfwh6pkFRtocDdG_Ra2kcVKmpwtwcK-fVp_tAA"],
    ),
    secret("sk-api-key", "OPENAI_API_KEY=sk-proj-Q7RJzQHy06ri33YXR33uipr3ysK-XQwIQlmj_v1dbbxG-cN9", [
        "sk-proj-Q7RJzQHy06ri33YXR33uipr3ysK-XQwIQlmj_v1dbbxG-cN9",
    ]),
    secret("sk-api-key", "legacy client configured with sk-4h3FJSAIzKyu3uJpaUqaRM0Q2CbBkXRGydoUQIA3JcGJrmN0", [
        "sk-4h3FJSAIzKyu3uJpaUqaRM0Q2CbBkXRGydoUQIA3JcGJrmN0",
    ]),
    secret("sk-api-key", '{"provider":"openai","key":"sk-svcacct-qq-yb_4-ykXuA9IEN71g-W4AmMJsgooU609ZC0sN","org":"claude-enhancer"}', [
        "sk-svcacct-qq-yb_4-ykXuA9IEN71g-W4AmMJsgooU609ZC0sN",
    ]),
    secret("sk-api-key", "admin api call with sk-ant-admin01-i7H3_ee_a-kGxvJ_5_W2m6F8c1BfWPlHK-UF1mTABWui9gDhQ-hh4sp-2eoFAA denied", [
        "sk-ant-admin01-i7H3_ee_a-kGxvJ_5_W2m6F8c1BfWPlHK-UF1mTABWui9gDhQ-hh4sp-2eoFAA",
    ]),
    secret(
        "sk-api-key",
        `curl https://api.anthropic.com/v1/messages -H "x-api-key: sk-ant-api03-gqg-l5nrN-QWRi_SU9M-yCECSnNLvZ-I1Hdxo7fh5EHmotFM3HJfwh6pkFRtocDdG_Ra2kcVKmpwtwcK-fVp_tAA" -d @body.json`,
        ["sk-ant-api03-gqg-l5nrN-QWRi_SU9M-yCECSnNLvZ-I1Hdxo7fh5EHmotFM3HJfwh6pkFRtocDdG_Ra2kcVKmpwtwcK-fVp_tAA"],
    ),
    secret("aws-access-key-id", "using AWS key AKIAIOSFODNN7EXAMPLE for s3 upload", ["AKIAIOSFODNN7EXAMPLE"]),
    secret("aws-access-key-id", "aws_access_key_id=AKIAI44QH8DHBEXAMPLE", ["AKIAI44QH8DHBEXAMPLE"]),
    secret("aws-access-key-id", "sts credentials ASIAY34FZKBOKMUTVV7A expire at 12:00", ["ASIAY34FZKBOKMUTVV7A"]),
    secret("aws-access-key-id", '{"AccessKeyId":"ASIAJEXAMPLEXEG2JICE","Expiration":"2025-01-01T00:00:00Z"}', ["ASIAJEXAMPLEXEG2JICE"]),
    secret(
        "aws-access-key-id",
        "2026-12-07 10:15:45,001 DEBUG [botocore.auth] StringToSign scope for AKIAIOSFODNN7EXAMPLE/20261207/us-east-1/s3/aws4_request",
        ["AKIAIOSFODNN7EXAMPLE"],
    ),
    secret(
        "aws-access-key-id",
        `INFO:     10.0.3.17:52144 - "GET /v1/artifacts/report.pdf?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20261207T101545Z&X-Amz-Expires=900&key=ASIAY34FZKBOKMUTVV7A HTTP/1.1" 302 Found`,
        ["ASIAY34FZKBOKMUTVV7A"],
    ),
    secret("aws-secret-access-key", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", [
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    ]),
    secret("aws-secret-access-key", "loaded wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY from the environment", [
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    ]),
    secret("aws-secret-access-key", "AWS_SECRET_ACCESS_KEY: je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY", [
        "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
    ]),
    secret("aws-secret-access-key", "signing request with je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY (sigv4)", [
        "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
    ]),
    secret(
        "aws-secret-access-key",
        "2026-12-07 10:15:46,870 DEBUG [app.storage] credential pair AKIA... / yu4s5Ciw2/rIl6s6Lm5VRxj7g50uuRrXxxrEoSa7",
        ["yu4s5Ciw2/rIl6s6Lm5VRxj7g50uuRrXxxrEoSa7"],
    ),

    // Credentials on command lines
    secret("command-line-credential", "+ curl -sS -u deploy:Dep10y!2026 https://nexus.internal/repository/pypi/simple/", ["Dep10y!2026"]),
    secret(
        "command-line-credential",
        "running: curl --user admin:Adm1nP4ss -X PUT http://opensearch-cluster-master:9200/_plugins/_ism/policies/logs",
        ["Adm1nP4ss"],
    ),
    secret("command-line-credential", "curl -u 'ci-bot:Ci8ot!token' https://artifacts.example.com/upload", ["Ci8ot!token"]),
    secret("command-line-credential", "curl --user=mirror:M1rr0r!sync https://mirror.example.com/index", ["M1rr0r!sync"]),
    secret("command-line-credential", "exec redis-cli -h redis-master -p 6379 -a Rd5s!pass9 ping", ["Rd5s!pass9"]),
    secret(
        "command-line-credential",
        "Liveness probe failed: exec [redis-cli --no-auth-warning -a Rd5s!pass9 ping]: context deadline exceeded",
        ["Rd5s!pass9"],
    ),
    secret("command-line-credential", "helm upgrade --install ce ./chart --username robot --password Hx7!kq2w --wait", ["Hx7!kq2w"]),
    secret("command-line-credential", "python -m app.admin create-client --name ci --api-key 'Zq8 Wv2 Lm4' --scopes read", ["Zq8 Wv2 Lm4"]),
    secret(
        "command-line-credential",
        "docker login -u robot --password-stdin registry.example.com && docker login -u ci -p Dk7Rg2Lq9x registry.example.com",
        ["Dk7Rg2Lq9x"],
    ),
    secret("command-line-credential", "wget --user=mirror --password=M1rr0r!sync https://mirror.example.com/index", ["M1rr0r!sync"]),

    // key=value and key: value, credential-named keys
    secret("key-value", "login failed for user alice password=hunter2", ["hunter2"]),
    secret("key-value", "DB_PASSWORD=pg-s3cret-value ./migrate --up", ["pg-s3cret-value"]),
    secret("key-value", "retrying with passwd: Tr0ub4dor!3", ["Tr0ub4dor!3"]),
    secret("key-value", "client_secret=9f8e7d6c5b4a;grant_type=client_credentials", ["9f8e7d6c5b4a"]),
    secret("key-value", "Server=tcp:db,1433;User Id=sa;Password=Str0ng!Pass;Encrypt=true", ["Str0ng!Pass"]),
    secret("key-value", "Cookie: claude-session=abc123def456; theme=dark", ["abc123def456"], "Cookie: [REDACTED]; theme=dark"),
    secret("key-value", '{"pin_token": 123456}', ["123456"]),
    secret("key-value", 'INFO:     10.0.3.17:52144 - "GET /v1/export?format=csv&api_key=ce_live_8f7e6d5c4b3a2910 HTTP/1.1" 200 OK', [
        "ce_live_8f7e6d5c4b3a2910",
    ]),
    secret(
        "key-value",
        `[2026-12-07T10:15:48.311Z] "GET /v1/download?token=dl_9a8b7c6d5e4f3a2b&file=report.pdf HTTP/1.1" 200 - via_upstream - "-" 0 48213 12 11 "10.0.1.5" "Mozilla/5.0" "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a" "claude-enhancer.example.com" ${ENVOY_TAIL}`,
        ["dl_9a8b7c6d5e4f3a2b"],
    ),
    secret(
        "key-value",
        "2026-12-07 10:15:49.002 UTC [4170] LOG:  could not connect to upstream: host=pg-primary port=5432 user=claude_app password=Pg5ecret!2026 dbname=claude",
        ["Pg5ecret!2026"],
    ),
    secret("key-value", "env: REDIS_PASSWORD=Rd5s!pass9 REDIS_HOST=redis-master REDIS_PORT=6379", ["Rd5s!pass9"]),
    secret(
        "key-value",
        'INFO:     10.0.3.17:52144 - "GET /v1/artifacts/a.pdf?X-Amz-Security-Token=IQoJb3JpZ2luX2VjEHUaCXVzLWVhc3QtMSJHMEUCIQD&X-Amz-Signature=9f8e HTTP/1.1" 302 Found',
        ["IQoJb3JpZ2luX2VjEHUaCXVzLWVhc3QtMSJHMEUCIQD"],
    ),
    secret("key-value", 'ts=2026-12-07T10:15:49.500Z level=info msg="oidc exchange" client_id=claude-enhancer client_secret=Oc9!xY2pQ7', [
        "Oc9!xY2pQ7",
    ]),
    secret("quoted-key-value", 'spring.datasource.password = "correct horse battery"', ["correct horse battery"]),
    secret("quoted-key-value", "connect host=db port=5432 user=app password='p@ss w0rd' sslmode=require", ["p@ss w0rd"]),
    secret("quoted-key-value", 'request body: {"user":"alice","password":"hunter2"}', ["hunter2"]),
    secret("quoted-key-value", '{"level":"error","msg":"auth failed","api_key":"sk-live-51Habc"}', ["sk-live-51Habc"]),
    secret("quoted-key-value", 'payload={"refresh_token": "8xLOxBtZp8", "scope": "read"}', ["8xLOxBtZp8"]),
    secret("quoted-key-value", 'config {"redis": {"auth_token": "tok with spaces"}}', ["tok with spaces"]),
    secret("quoted-key-value", '{"Secret":"s3cr3t","x-api-key":"abc123"}', ["s3cr3t", "abc123"]),
    secret(
        "quoted-key-value",
        '{"timestamp":"2026-12-07T10:15:47.118Z","level":"ERROR","logger":"app.settings","message":"invalid settings","db_password":"Pg5ecret!2026"}',
        ["Pg5ecret!2026"],
    ),
    secret(
        "quoted-key-value",
        "2026-12-07 10:15:50.441 UTC [4177] postgres@claude LOG:  statement: ALTER ROLE claude_app WITH LOGIN PASSWORD 'Pg5ecret!2026'",
        ["Pg5ecret!2026"],
    ),
    secret(
        "quoted-key-value",
        "2026-12-07 10:15:50,912 DEBUG [app.settings] loaded {'environment': 'production', 'secret_key': 'dj4ngo-s3cret-k3y-value'}",
        ["dj4ngo-s3cret-k3y-value"],
    ),

    // Payment card numbers (Luhn-valid test numbers)
    secret("card-number", "2026-12-07 10:15:52,004 ERROR [app.billing] charge failed for card 4111 1111 1111 1111 exp 12/28", [
        "4111 1111 1111 1111",
    ]),
    secret("card-number", '{"level":"error","msg":"payment declined","card":"5555-5555-5555-4444","amount_cents":1999}', [
        "5555-5555-5555-4444",
    ]),
    secret("card-number", "stripe test charge with 4242424242424242 succeeded", ["4242424242424242"]),
    secret("card-number", "amex 3782 822463 10005 rejected: cvc mismatch", ["3782 822463 10005"]),
    secret(
        "card-number",
        "2026-12-07 10:15:53.337 UTC [4188] claude_app@claude DETAIL:  Failing row contains (42, 6011111111111117, 2026-12-07 10:15:53.33+00).",
        ["6011111111111117"],
    ),
    secret("card-number", 'INFO:     10.0.3.17:52144 - "GET /v1/billing/lookup?pan=5105105105105100 HTTP/1.1" 404 Not Found', [
        "5105105105105100",
    ]),
    secret("card-number", "mastercard 2223003122003222 and jcb 3530111333300000 on file", ["2223003122003222", "3530111333300000"]),
    secret("card-number", "diners 30569309025904 expired", ["30569309025904"]),
    secret("card-number", "refund batch 2026-12-07 4000 0566 5566 5556 12.50 EUR", ["4000 0566 5566 5556"]),

    // E-mail addresses (logging.redaction.maskEmails)
    secret("email-address", "notification sent to oncall@example.com", ["oncall@example.com"]),
    secret("email-address", "2026-12-07 10:15:55,100 INFO [app.users] password reset requested for alice.smith+ce@example.co.uk", [
        "alice.smith+ce@example.co.uk",
    ]),
    secret("email-address", "2026-12-07 10:15:55.281 UTC [4190] claude_app@claude DETAIL:  Key (email)=(bob@example.org) already exists.", [
        "bob@example.org",
    ]),
    secret("email-address", 'INFO:     10.0.3.17:52144 - "GET /v1/users?email=carol%40example.com HTTP/1.1" 200 OK', [
        "carol%40example.com",
    ]),
    secret("email-address", '{"event":"signup","email":"dave_o@mail.example.io","plan":"team"}', ["dave_o@mail.example.io"]),
    secret("email-address", "smtp: sending alert to platform-team@example.com via smtp.example.com:587", ["platform-team@example.com"]),
    secret("email-address", "From: Erin Example <erin@example.net> Subject: workflow finished", ["erin@example.net"]),
    secret("email-address", "invite accepted by frank@example.com.", ["frank@example.com"]),
];

const UVICORN = [
    "INFO:     Started server process [1]",
    "INFO:     Waiting for application startup.",
    "INFO:     Application startup complete.",
    "INFO:     Uvicorn running on http://0.0.0.0:8080 (Press CTRL+C to quit)",
    'INFO:     10.0.3.17:52144 - "GET /metrics HTTP/1.1" 200 OK',
    'INFO:     10.0.3.17:52150 - "GET /health/ready HTTP/1.1" 200 OK',
    'INFO:     10.0.1.5:41234 - "POST /v1/enhance HTTP/1.1" 200 OK',
    'INFO:     10.0.1.5:41236 - "GET /v1/workflows/7f3c2a1e-9b4d-4e8f-a6c2-1d2e3f4a5b6c HTTP/1.1" 200 OK',
    'INFO:     10.0.1.5:41240 - "GET /v1/workflows?page=2&per_page=50&sort=-created_at HTTP/1.1" 200 OK',
    'INFO:     10.0.1.5:41244 - "POST /v1/agents/code-reviewer/runs HTTP/1.1" 202 Accepted',
    'INFO:     10.0.1.5:41250 - "GET /api/v1/tokens/validate HTTP/1.1" 401 Unauthorized',
    'INFO:     10.0.1.5:41252 - "DELETE /v1/sessions/4503599627370495 HTTP/1.1" 204 No Content',
    'INFO:     10.0.1.5:41260 - "GET /v1/orders/4111111111111112 HTTP/1.1" 404 Not Found',
    'INFO:     10.0.1.5:41262 - "GET /v1/search?q=password%20reset&lang=en HTTP/1.1" 200 OK',
    "WARNING:  Invalid HTTP request received.",
    "ERROR:    Exception in ASGI application",
    "INFO:     Shutting down",
    "INFO:     Finished server process [1]",
];

const FASTAPI = [
    "2026-12-07 10:15:30,001 INFO [app.main] claude-enhancer 5.0.0 starting (commit 3f786850e387550fdab836ed7e6dc881de23001b)",
    "2026-12-07 10:15:30,118 INFO [app.agents] agent code-reviewer loaded (61/61 healthy)",
    "2026-12-07 10:15:31,402 INFO [app.workflows] workflow 7f3c2a1e-9b4d-4e8f-a6c2-1d2e3f4a5b6c phase=implementation duration=12.4s",
    "2026-12-07 10:15:31,777 INFO [app.users] user alice logged in from 192.168.1.20",
    "2026-12-07 10:15:32,010 INFO [app.users] password reset email sent to user 4711",
    "2026-12-07 10:15:32,245 DEBUG [app.ratelimit] token bucket refilled: 100 tokens available",
    "2026-12-07 10:15:32,510 INFO [app.secrets] rotating secrets is scheduled for Sunday",
    "2026-12-07 10:15:32,601 WARNING [app.auth] Bearer authentication failed for client web-ui",
    "2026-12-07 10:15:32,633 INFO [app.auth] basic auth disabled by config",
    "2026-12-07 10:15:33,080 INFO [app.db] connecting to postgresql://db.internal:5432/claude",
    "2026-12-07 10:15:33,091 INFO [app.cache] redis://redis-master:6379/0 ready",
    '2026-12-07 10:15:33,300 INFO [httpx] HTTP Request: GET https://api.example.com/v1/users?id=42&sort=asc "HTTP/1.1 200 OK"',
    '{"level":"info","msg":"request done","status":200,"latency_ms":12,"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"}',
    '{"user":"bob","action":"workflow.start","workflow_id":"wf-123","request_id":"5f2b8c1e-77aa-4a0e-9c1b-2d3e4f5a6b7c"}',
    "2026-12-07 10:15:34,005 INFO [app.tokenizer] tokenizer vocabulary loaded: 50257 entries",
    "2026-12-07 10:15:34,200 INFO [app.events] payload eyJldmVudCI6InB1c2giLCJyZXBvIjoiZW5oYW5jZXIifQ== queued",
    "2026-12-07 10:15:34,212 DEBUG [app.events] base64 payload dGhpcyBpcyBhIHRlc3Q= decoded",
    "2026-12-07 10:15:34,550 INFO [app.billing] stripe publishable key pk_live_51duOs9ZyyjEXxAzr6zOy9pzNUTd1aCq served to checkout",
    "2026-12-07 10:15:34,601 INFO [app.ml] sk-learn-compatible estimator registered: ranker-v2",
    "2026-12-07 10:15:34,702 INFO [app.billing] invoice 5300000000000001 issued, order 4532015112830368 paid",
    "2026-12-07 10:15:34,803 INFO [app.ids] snowflake id 1873459283746529281 allocated at 1733570132123",
    "2026-12-07 10:15:35,010 INFO [app.auth] Passwordless login enabled for tenant acme",
    "2026-12-07 10:15:35,133 WARNING [app.workflows] phase review took 812ms (budget 500ms) traceparent=00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    "2026-12-07 10:15:35,240 INFO [app.keys] key rotation completed for kms alias/claude-enhancer-staging",
    'time=2025-01-01T12:00:00Z level=warn msg="slow query" duration=812ms',
    "2026-12-07 10:15:35,488 INFO [app.git] deploy key fingerprint SHA256:2lJ8x9Qv7Tn4Wc3Yb6Zd1Fh5Jk0Pa2Se4Gu8Hi9Kl0 accepted",
    "2026-12-07 10:15:35,601 INFO [app.otel] exporter otlp grpc endpoint http://jaeger.tracing.svc.cluster.local:4317 sampler=parentbased_traceidratio ratio=0.05",
    '2026-12-07 10:15:35,700 INFO [app.http] WWW-Authenticate: Bearer realm="claude-enhancer", error="invalid_token"',
];

const POSTGRES = [
    "2026-12-07 10:15:30.001 UTC [1] LOG:  starting PostgreSQL 15.8 on x86_64-pc-linux-gnu, compiled by gcc (GCC) 12.2.0, 64-bit",
    '2026-12-07 10:15:30.004 UTC [1] LOG:  listening on IPv4 address "0.0.0.0", port 5432',
    "2026-12-07 10:15:30.120 UTC [1] LOG:  database system is ready to accept connections",
    "2026-12-07 10:15:31.502 UTC [4101] LOG:  connection received: host=10.0.2.15 port=51234",
    "2026-12-07 10:15:31.509 UTC [4101] LOG:  connection authorized: user=claude_app database=claude application_name=claude-enhancer SSL enabled (protocol=TLSv1.3, cipher=TLS_AES_256_GCM_SHA384, bits=256)",
    '2026-12-07 10:15:32.301 UTC [4102] claude_app@claude ERROR:  duplicate key value violates unique constraint "workflows_pkey"',
    "2026-12-07 10:15:32.301 UTC [4102] claude_app@claude DETAIL:  Key (id)=(7f3c2a1e-9b4d-4e8f-a6c2-1d2e3f4a5b6c) already exists.",
    '2026-12-07 10:15:32.870 UTC [4103] claude_app@claude ERROR:  syntax error at or near "FROM" at character 15',
    "2026-12-07 10:15:32.870 UTC [4103] claude_app@claude STATEMENT:  SELECT FROM workflows WHERE id = 4716000000000000",
    "2026-12-07 10:15:33.412 UTC [4104] claude_app@claude LOG:  duration: 812.443 ms  statement: SELECT w.id, w.phase FROM workflows w WHERE w.updated_at > now() - interval '5 minutes'",
    "2026-12-07 10:15:34.001 UTC [72] LOG:  checkpoint starting: time",
    "2026-12-07 10:15:39.118 UTC [72] LOG:  checkpoint complete: wrote 1203 buffers (7.3%); 0 WAL file(s) added, 0 removed, 1 recycled; write=4.912 s, sync=0.011 s, total=5.117 s",
    '2026-12-07 10:15:40.200 UTC [4105] claude_app@claude FATAL:  password authentication failed for user "claude_app"',
    '2026-12-07 10:15:40.200 UTC [4105] claude_app@claude DETAIL:  Connection matched pg_hba.conf line 99: "hostssl all all 0.0.0.0/0 scram-sha-256"',
    '2026-12-07 10:15:41.330 UTC [4106] LOG:  automatic vacuum of table "claude.public.workflow_events": index scans: 1',
    "2026-12-07 10:15:42.010 UTC [4107] claude_app@claude LOG:  disconnection: session time: 0:05:12.338 user=claude_app database=claude host=10.0.2.15 port=51234",
    "2026-12-07 10:15:42.500 UTC [4108] claude_app@claude ERROR:  canceling statement due to statement timeout",
    "2026-12-07 10:15:43.002 UTC [4109] LOG:  replication connection authorized: user=replicator application_name=pg-replica-0",
    "2026-12-07 10:15:43.775 UTC [4110] claude_app@claude WARNING:  there is no transaction in progress",
];

const REDIS = [
    "1:C 07 Dec 2026 10:15:30.001 # oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo",
    "1:C 07 Dec 2026 10:15:30.001 # Redis version=7.2.4, bits=64, commit=00000000, modified=0, pid=1, just started",
    "1:C 07 Dec 2026 10:15:30.001 # Configuration loaded",
    "1:M 07 Dec 2026 10:15:30.002 * monotonic clock: POSIX clock_gettime",
    "1:M 07 Dec 2026 10:15:30.003 * Running mode=standalone, port=6379.",
    "1:M 07 Dec 2026 10:15:30.004 * Server initialized",
    "1:M 07 Dec 2026 10:15:30.005 * Ready to accept connections tcp",
    "1:M 07 Dec 2026 10:20:30.011 * 100 changes in 300 seconds. Saving...",
    "1:M 07 Dec 2026 10:20:30.012 * Background saving started by pid 42",
    "42:C 07 Dec 2026 10:20:30.101 * Fork CoW for RDB: current 1 MB, peak 1 MB, average 1 MB",
    "1:M 07 Dec 2026 10:20:30.205 * Background saving terminated with success",
    "1:S 07 Dec 2026 10:15:31.010 * Connecting to MASTER redis-master:6379",
    "1:S 07 Dec 2026 10:15:31.011 * Trying a partial resynchronization (request 8d1f2f0e5c6a5b4a3c2d1e0f9a8b7c6d5e4f3a2b:1).",
    "1:S 07 Dec 2026 10:15:31.120 * MASTER <-> REPLICA sync: Finished with success",
    "1:M 07 Dec 2026 10:15:31.130 * Replica 10.0.2.31:6379 asks for synchronization",
    "1:M 07 Dec 2026 10:15:31.131 * Starting BGSAVE for SYNC with target: disk",
    "1:M 07 Dec 2026 10:15:31.300 # WARNING Memory overcommit must be enabled!",
    "1:M 07 Dec 2026 10:16:00.000 # User requested shutdown...",
    "1:M 07 Dec 2026 10:16:00.001 * Saving the final RDB snapshot before exiting.",
];

const ISTIO = [
    `[2026-12-07T10:15:32.118Z] "POST /v1/enhance HTTP/1.1" 200 - via_upstream - "-" 1843 5120 45 44 "10.0.1.5" "python-httpx/0.27.0" "5f2b8c1e-77aa-4a0e-9c1b-2d3e4f5a6b7c" "claude-enhancer.example.com" ${ENVOY_TAIL}`,
    `[2026-12-07T10:15:32.420Z] "GET /health/ready HTTP/1.1" 200 - via_upstream - "-" 0 2 1 1 "-" "kube-probe/1.31" "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d" "10.0.2.15:8080" "127.0.0.1:8080" inbound|8080|| 127.0.0.6:43121 10.0.2.15:8080 10.0.0.1:0 - default`,
    `[2026-12-07T10:15:33.001Z] "GET /v1/workflows/7f3c2a1e-9b4d-4e8f-a6c2-1d2e3f4a5b6c HTTP/1.1" 200 - via_upstream - "-" 0 1234 4 3 "10.0.1.5" "curl/8.5.0" "0d9c8b7a-6f5e-4d4c-9b3a-2f1e0d9c8b7a" "claude-enhancer.example.com" ${ENVOY_TAIL}`,
    `[2026-12-07T10:15:33.550Z] "POST /v1/agents/code-reviewer/runs HTTP/2" 503 UF upstream_reset_before_response_started{connection_failure} - "-" 211 91 1000 - "10.0.1.5" "python-httpx/0.27.0" "2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f" "claude-enhancer.example.com" ${ENVOY_TAIL}`,
    `[2026-12-07T10:15:34.010Z] "GET /metrics HTTP/1.1" 200 - via_upstream - "-" 0 48213 12 11 "-" "Prometheus/2.53.0" "3d4e5f6a-7b8c-4d9e-8f0a-1b2c3d4e5f6a" "10.0.2.15:15020" "10.0.2.15:15020" inbound|15020|| - 10.0.2.15:15020 10.0.3.17:0 - -`,
    `[2026-12-07T10:15:34.300Z] "- - -" 0 - - - "-" 4312 12876 60012 - "-" "-" "-" "-" "10.0.4.20:5432" outbound|5432||pg-primary.claude-enhancer.svc.cluster.local 10.0.2.15:40122 10.0.4.20:5432 10.0.2.15:40120 - -`,
    `[2026-12-07T10:15:34.812Z] "GET /v1/orders/4716000000000000 HTTP/1.1" 404 - via_upstream - "-" 0 22 3 3 "10.0.1.5" "Mozilla/5.0 (X11; Linux x86_64)" "4e5f6a7b-8c9d-4e0f-9a1b-2c3d4e5f6a7b" "claude-enhancer.example.com" ${ENVOY_TAIL}`,
    `[2026-12-07T10:15:35.120Z] "GET /v1/stream HTTP/1.1" 101 - via_upstream - "-" 0 0 300045 - "10.0.1.5" "websocket-client/1.8" "5f6a7b8c-9d0e-4f1a-8b2c-3d4e5f6a7b8c" "claude-enhancer.example.com" ${ENVOY_TAIL}`,
    `[2026-12-07T10:15:35.777Z] "OPTIONS /v1/enhance HTTP/1.1" 403 - rbac_access_denied_matched_policy[ns[claude-enhancer]-policy[claude-enhancer-callers]-rule[0]] - "-" 0 19 0 - "10.0.1.77" "curl/8.5.0" "6a7b8c9d-0e1f-4a2b-9c3d-4e5f6a7b8c9d" "claude-enhancer.example.com" "-" inbound|8080|| - 10.0.2.15:8080 10.0.1.77:0 outbound_.8080_._.claude-enhancer.claude-enhancer.svc.cluster.local -`,
    "2026-12-07T10:15:30.118422Z\tinfo\tads\tPush debounce stable[42] 3 for config ServiceEntry/claude-enhancer/pg-primary: 100.4ms since last change, 312.9ms since last push, full=true",
    "2026-12-07T10:15:30.500112Z\tinfo\tcache\tgenerated new workload certificate\tlatency=120.4ms ttl=23h59m59.1s",
    "2026-12-07T10:15:30.501873Z\tinfo\tsds\tSDS: PUSH resource=default",
    "2026-12-07T10:15:30.501911Z\tinfo\tsds\tSDS: PUSH resource=ROOTCA",
    "2026-12-07T10:15:31.002Z\twarning\tenvoy config\tStreamAggregatedResources gRPC config stream to xds-grpc closed since 1800s ago: 13, ",
    "2026-12-07T10:15:31.400Z\tinfo\tads\tXDS: Pushing Services:42 ConnectedEndpoints:18 Version:2026-12-07T10:15:31Z/57",
    "2026-12-07T10:15:31.700Z\tinfo\tads\tLDS: PUSH for node:claude-enhancer-stable-6d8f9c7b5-x2k4q.claude-enhancer resources:27 size:118.4kB",
    "2026-12-07T10:15:32.003Z\tinfo\tEnvoy proxy is ready",
];

const PLATFORM = [
    "pod claude-enhancer-stable-6d8f9c7b5-x2k4q started",
    "HPA scaled claude-enhancer from 3 to 5 replicas (cpu 78%)",
    "canary weight 10% stage=canary-expand gate=passed",
    "image sha256:4a5b6c7d8e9f00112233445566778899aabbccddeeff00112233445566778899 pulled",
    "image registry.example.com/claude-enhancer@sha256:4a5b6c7d8e9f00112233445566778899aabbccddeeff00112233445566778899 pulled",
    "upload s3://ce-logs-production/kubernetes/2025/01/01/part-0001.gz done",
    "migrating schema version 41 -> 42",
    "cache hit ratio 0.97 evictions=0",
    "AKIA prefix check disabled",
    "-----BEGIN CERTIFICATE----- loaded ca bundle",
    "etag 0a1b2c3d4e5f60718293a4b5c6d7e8f901234567 matched",
    "cloning git@github.com:org/repo.git",
    "+ pg_dump --dbname claude --username app --password-file /run/secrets/pg --format custom",
    "+ docker run --rm -u 1000:1000 -v /data:/data registry.example.com/tools:1.4",
    "+ kubectl create secret generic app-config --from-file=settings.yaml --dry-run=client -o yaml",
    "+ vault kv get -field=username secret/claude-enhancer/db --token-ttl 5m",
    "[2026/12/07 10:15:30] [ info] [fluent bit] version=3.2.2, commit=a4b5c6d7e8, pid=1",
    "[2026/12/07 10:15:30] [ info] [filter:lua:lua.1] loaded redact.lua",
    "[2026/12/07 10:15:31] [ warn] [engine] failed to flush chunk '1-1733570131.123456789.flb', retry in 10 seconds: task_id=3, input=tail.0 > output=opensearch.0 (out_id=0)",
    "Normal   Scheduled  pod/claude-enhancer-canary-7c9d8e6f5-q8w2n  Successfully assigned claude-enhancer/claude-enhancer-canary-7c9d8e6f5-q8w2n to ip-10-20-3-41.ec2.internal",
    "Warning  Unhealthy  pod/redis-master-0  Readiness probe failed: dial tcp 10.0.4.31:6379: connect: connection refused",
    "certificate claude-enhancer-gateway-tls renewed, not after 2027-03-07T10:15:30Z, serial 04:1f:3a:9c:7b:2e",
    "release claude-enhancer 5.0.0 -> 5.1.0 (build 20261207.3, +1 555-123-4567 on call)",
];

/** Ordinary lines by source: none may change. */
export const CLEAN_LINES: CleanLine[] = (
    [
        ["uvicorn", UVICORN],
        ["fastapi", FASTAPI],
        ["postgres", POSTGRES],
        ["redis", REDIS],
        ["istio", ISTIO],
        ["platform", PLATFORM],
    ] as const
).flatMap(([source, lines]) => lines.map((line) => ({ source, line })));

export interface CorpusFigures {
    /** Per form: the credentials of that form in the corpus, and how many the filter removed. */
    recall: Record<string, { secrets: number; masked: number }>;
    /** Per source: the clean lines, and how many the filter changed. */
    falsePositives: Record<string, { lines: number; changed: number }>;
    /** Secret lines the filter did not turn into exactly their expected text. */
    inexact: { line: string; got: string }[];
}

const occurrences = (text: string, part: string) => text.split(part).length - 1;

/**
 * Whether a credential survived: the output holds it, or one of its alphanumeric pieces of 4+
 * characters (a password masked only up to its own @), more often than the expected line does (where
 * the same word may be the user name or a host).
 */
export function leaked(value: string, output: string, expected: string): boolean {
    const probes = [value, ...value.split(/[^A-Za-z0-9]+/).filter((piece) => piece.length >= 4)];
    return probes.some((probe) => occurrences(output, probe) > occurrences(expected, probe));
}

/** Runs every corpus line through a redaction filter under luajit (as Fluent Bit would) and counts. */
export function measureCorpus(script: string, fn: string): CorpusFigures {
    const logs = [...SECRET_LINES.map((l) => l.line), ...CLEAN_LINES.map((l) => l.line)];
    const out = runLuaFilter(
        script,
        fn,
        logs.map((log) => ({ log })),
    ).map((r) => (r.record as { log: string }).log);
    const figures: CorpusFigures = { recall: {}, falsePositives: {}, inexact: [] };
    SECRET_LINES.forEach(({ line, secrets, expected }, i) => {
        for (const { form, value } of secrets) {
            const count = (figures.recall[form] ??= { secrets: 0, masked: 0 });
            count.secrets += 1;
            if (!leaked(value, out[i], expected)) count.masked += 1;
        }
        if (out[i] !== expected) figures.inexact.push({ line, got: out[i] });
    });
    CLEAN_LINES.forEach(({ source, line }, i) => {
        const count = (figures.falsePositives[source] ??= { lines: 0, changed: 0 });
        count.lines += 1;
        if (out[SECRET_LINES.length + i] !== line) count.changed += 1;
    });
    return figures;
}
