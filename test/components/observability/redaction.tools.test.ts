import * as assert from "assert";
import {
    LUA_FUNCTION,
    MAX_DEPTH,
    REDACTED,
    VALUE_PATTERNS,
    isSensitiveFieldName,
    redactionLuaScript,
} from "../../../components/observability/redaction";
import { fluentBitValues, REDACTION_SCRIPT } from "../../../components/observability/loggingValues";
import { LoggingSchema } from "../../../config/observability";
import { CLEAN_LINES, SECRET_LINES, leaked, measureCorpus } from "./redactionCorpus";
import { runLuaFilter } from "./tools";

const SCRIPT = redactionLuaScript({ maskEmails: true });
const WITHOUT_EMAILS = redactionLuaScript({ maskEmails: false });
const filter = (records: Record<string, unknown>[]) => runLuaFilter(SCRIPT, LUA_FUNCTION, records);

const SAMPLE = {
    log: "GET /health/ready 200",
    level: "info",
    password: "hunter2",
    DB_PASSWORD: "pg-secret",
    "x-api-key": "k-123",
    apiKey: "k-456",
    api_key: "k-789",
    auth_token: "t-1",
    client_secret: "s-1",
    status: 200,
    kubernetes: { pod_name: "claude-enhancer-abc", labels: { app: "claude-enhancer", "secret-rotation": "weekly" } },
    request: {
        headers: { Authorization: "Bearer abc", "Content-Type": "application/json", Cookie: "claude-session=xyz" },
        body: { user: "alice", credentials: { token: "deep" }, items: [{ name: "a", privateKey: "pk" }, { name: "b" }] },
    },
};

const EXPECTED = {
    log: "GET /health/ready 200",
    level: "info",
    password: REDACTED,
    DB_PASSWORD: REDACTED,
    "x-api-key": REDACTED,
    apiKey: REDACTED,
    api_key: REDACTED,
    auth_token: REDACTED,
    client_secret: REDACTED,
    status: 200,
    kubernetes: { pod_name: "claude-enhancer-abc", labels: { app: "claude-enhancer", "secret-rotation": REDACTED } },
    request: {
        headers: { Authorization: REDACTED, "Content-Type": "application/json", Cookie: REDACTED },
        body: { user: "alice", credentials: REDACTED, items: [{ name: "a", privateKey: REDACTED }, { name: "b" }] },
    },
};

describe("Fluent Bit redaction filter (observability/redaction.ts) run by luajit", function () {
    this.timeout(30_000);

    it("masks fields named like password/token/secret/api_key at any depth and leaves the others as they are", () => {
        const [result] = filter([SAMPLE]);
        assert.deepStrictEqual(result.record, EXPECTED);
        // 2: record modified, timestamp kept (Fluent Bit's lua filter contract).
        assert.strictEqual(result.code, 2);
        assert.strictEqual(result.timestamp, 1700000000.5);
    });

    it("returns code 0 (record unchanged) for a record without sensitive fields, untouched", () => {
        const clean = {
            log: "started",
            level: "info",
            kubernetes: { namespace_name: "claude-enhancer", labels: { version: "5.0.0" } },
            latency_ms: 12.5,
        };
        const [result] = filter([clean]);
        assert.strictEqual(result.code, 0);
        assert.deepStrictEqual(result.record, clean);
    });

    it("stops descending at the depth bound", () => {
        let nested: Record<string, unknown> = { password: "bottom", log: "password=deep" };
        for (let i = 0; i < MAX_DEPTH + 2; i++) nested = { level: nested };
        const record = { token: "top", nested };
        const [result] = filter([record]);
        // The top-level token is masked; the fields below the bound are not (bounded work per record).
        assert.strictEqual((result.record as Record<string, unknown>).token, REDACTED);
        assert.match(JSON.stringify(result.record), /"log":"password=deep","password":"bottom"/);
    });

    it("masks credential-named fields whatever their value, and agrees with the TypeScript predicate", () => {
        const records = [
            SAMPLE,
            {
                Passwd: 1,
                PASSPHRASE: "x",
                accessKeyId: "AKIA",
                sessionCookie: "c",
                tokens: ["a", "b"],
                tokenizer: "bpe",
                note: "password in a value is kept",
            },
        ];
        const results = filter(records);
        assert.deepStrictEqual(results[0].record, EXPECTED);
        assert.deepStrictEqual(results[1].record, {
            Passwd: REDACTED,
            PASSPHRASE: REDACTED,
            accessKeyId: REDACTED,
            sessionCookie: REDACTED,
            tokens: REDACTED,
            tokenizer: REDACTED,
            note: "password in a value is kept",
        });
        for (const name of ["password", "DB_PASSWORD", "x-api-key", "api_key", "apiKey", "auth_token", "client_secret", "Authorization"])
            assert.ok(isSensitiveFieldName(name), name);
        for (const name of ["log", "level", "user", "status", "api", "key", "pod_name", "monkey"])
            assert.ok(!isSensitiveFieldName(name), name);
    });

    it(`masks every credential in each of ${SECRET_LINES.length} log lines and keeps the rest of the line`, () => {
        assert.ok(SECRET_LINES.length >= 100);
        // Every value form is in the corpus.
        assert.deepStrictEqual([...new Set(SECRET_LINES.flatMap((l) => l.secrets.map((s) => s.form)))].sort(), [...VALUE_PATTERNS].sort());
        const results = filter(SECRET_LINES.map((l) => ({ log: l.line, stream: "stdout" })));
        results.forEach((result, i) => {
            const { line, secrets, expected } = SECRET_LINES[i];
            const out = result.record as { log: string; stream: string };
            for (const { value } of secrets)
                assert.ok(!leaked(value, out.log, expected), `${JSON.stringify(line)}: ${value} survived in ${out.log}`);
            assert.strictEqual(out.log, expected, line);
            assert.strictEqual(out.stream, "stdout");
            assert.strictEqual(result.code, 2, line);
        });
    });

    it(`leaves each of ${CLEAN_LINES.length} ordinary log lines unchanged (code 0), with and without e-mail masking`, () => {
        assert.ok(CLEAN_LINES.length >= 100);
        for (const script of [SCRIPT, WITHOUT_EMAILS]) {
            const results = runLuaFilter(
                script,
                LUA_FUNCTION,
                CLEAN_LINES.map(({ line }) => ({ log: line })),
            );
            results.forEach((result, i) => {
                assert.deepStrictEqual(result.record, { log: CLEAN_LINES[i].line });
                assert.strictEqual(result.code, 0, CLEAN_LINES[i].line);
            });
        }
    });

    it("recall 100 % for every form and no false positive in any log source (the figures of docs/observability.md)", () => {
        const figures = measureCorpus(SCRIPT, LUA_FUNCTION);
        for (const [form, { secrets, masked }] of Object.entries(figures.recall)) assert.strictEqual(masked, secrets, form);
        for (const [source, { changed }] of Object.entries(figures.falsePositives)) assert.strictEqual(changed, 0, source);
        assert.deepStrictEqual(figures.inexact, []);
        assert.deepStrictEqual(Object.keys(figures.falsePositives).sort(), [
            "fastapi",
            "istio",
            "platform",
            "postgres",
            "redis",
            "uvicorn",
        ]);
    });

    it("with logging.redaction.maskEmails false, e-mail addresses stay and every credential still goes", () => {
        assert.strictEqual(LoggingSchema.parse({}).redaction.maskEmails, true);
        const values = fluentBitValues({
            logging: LoggingSchema.parse({ redaction: { maskEmails: false } }),
            destinations: {
                opensearch: { host: "opensearch", port: 9200 },
                credentialsSecret: "opensearch-credentials",
                indexPrefix: "logs-local",
            },
        }) as { luaScripts: Record<string, string> };
        assert.strictEqual(values.luaScripts[REDACTION_SCRIPT], WITHOUT_EMAILS);
        const results = runLuaFilter(
            WITHOUT_EMAILS,
            LUA_FUNCTION,
            SECRET_LINES.map((l) => ({ log: l.line })),
        );
        results.forEach((result, i) => {
            const { line, secrets, expected } = SECRET_LINES[i];
            const emailsOnly = secrets.every((s) => s.form === "email-address");
            // Lines carry either e-mail addresses or credentials, so each expectation is exact.
            assert.ok(emailsOnly || secrets.every((s) => s.form !== "email-address"), line);
            assert.deepStrictEqual(result.record, { log: emailsOnly ? line : expected });
            assert.strictEqual(result.code, emailsOnly ? 0 : 2, line);
        });
    });

    it("keeps the text around a card number, and numbers that fail Luhn or an issuer's prefix", () => {
        const [kept, masked] = filter([
            { log: "orders 4111111111111112 5300000000000001 1873459283746529281 bytes 4312 12876 60012 1843 5120 45 44" },
            { log: "paid 4111-1111-1111-1111, refunded 3782 822463 10005 (exp 12 28) at 2026-12-07 10:15:52" },
        ]);
        assert.strictEqual(kept.code, 0);
        assert.deepStrictEqual(masked.record, { log: `paid ${REDACTED}, refunded ${REDACTED} (exp 12 28) at 2026-12-07 10:15:52` });
    });

    it("masks values in nested fields and arrays too, next to the field-name rule", () => {
        const [result] = filter([
            {
                log: "request done",
                request: { query: "user=alice&password=hunter2", urls: ["https://a.example", "redis://:s3cret-tok@cache:6379"] },
                kubernetes: { labels: { app: "claude-enhancer" } },
                api_token: "t-1",
            },
        ]);
        assert.strictEqual(result.code, 2);
        assert.deepStrictEqual(result.record, {
            log: "request done",
            request: { query: `user=alice&password=${REDACTED}`, urls: ["https://a.example", `redis://:${REDACTED}@cache:6379`] },
            kubernetes: { labels: { app: "claude-enhancer" } },
            api_token: REDACTED,
        });
    });

    it("luajit reports a broken filter (the test harness does not swallow Lua errors)", () => {
        assert.throws(
            () => runLuaFilter(SCRIPT.replace("local function redact", "local function redact("), LUA_FUNCTION, [SAMPLE]),
            /luajit failed \(1\).*filter\.lua/s,
        );
    });
});
