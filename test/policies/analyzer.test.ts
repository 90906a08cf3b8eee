import * as assert from "node:assert/strict";
import { PolicyConfigError, analyzeStack, reconcileConfig } from "../../policies/analyzer";
import { pack, policies } from "../../policies/pack";
import { REDACTED_SECRET, StackExportError, parseStackExport, toStackExport } from "../../policies/stackExport";
import * as f from "./fixtures";
import { UNKNOWN, changed } from "./harness";

describe("policy analyzer (the pack outside the engine)", () => {
    describe("reconcileConfig", () => {
        it("starts from each policy's default level and schema defaults", () => {
            const config = reconcileConfig(pack, {});
            assert.equal(config.size, policies.length);
            assert.deepEqual(config.get("aws-rds-backup-retention"), {
                enforcementLevel: "mandatory",
                properties: { minRetentionDays: 7 },
            });
            assert.equal(config.get("k8s-pod-disruption-budget")!.enforcementLevel, "advisory");
        });

        it("applies `all`, then per-policy levels and properties over the defaults", () => {
            const config = reconcileConfig(pack, {
                all: "advisory",
                "aws-rds-multi-az": "disabled",
                "aws-rds-backup-retention": { enforcementLevel: "mandatory", minRetentionDays: 30 },
            });
            assert.equal(config.get("aws-rds-storage-encrypted")!.enforcementLevel, "advisory");
            assert.equal(config.get("aws-rds-multi-az")!.enforcementLevel, "disabled");
            assert.deepEqual(config.get("aws-rds-backup-retention"), {
                enforcementLevel: "mandatory",
                properties: { minRetentionDays: 30 },
            });
        });

        it("rejects unknown policies, bad levels and values the config schema does not allow, listing each", () => {
            assert.throws(
                () =>
                    reconcileConfig(pack, {
                        "no-such-policy": "mandatory",
                        "aws-rds-multi-az": "strict",
                        "aws-rds-backup-retention": { minRetentionDays: "thirty" },
                        "cost-nat-gateway-count": 3,
                    }),
                (e: unknown) => {
                    assert.ok(e instanceof PolicyConfigError);
                    assert.deepEqual(e.problems, [
                        "no-such-policy: no policy of pack claude-enhancer has this name",
                        'aws-rds-multi-az: enforcement level "strict" is not one of advisory, mandatory, remediate, disabled',
                        "cost-nat-gateway-count: 3 is not an enforcement level or an object",
                        "aws-rds-backup-retention: /minRetentionDays must be integer",
                    ]);
                    return true;
                },
            );
            assert.throws(() => reconcileConfig(pack, []), /must be a JSON object keyed by policy name/);
        });
    });

    describe("analyzeStack", () => {
        const provider = f.awsProvider();
        const stack = () => [provider, { ...f.rdsPrimary(), provider: `${provider.urn}::aws-primary-id` }, f.budget()];

        it("reports each violation once, as `description\\nmessage`, at the configured level, on the resource's URN", async () => {
            const db = changed(stack()[1], ["storageEncrypted"], false);
            const config = reconcileConfig(pack, { "aws-rds-storage-encrypted": "advisory" });
            const { diagnostics } = await analyzeStack(pack, [provider, db, f.budget()], config);
            const found = diagnostics.filter((d) => d.policyName === "aws-rds-storage-encrypted");
            assert.deepEqual(found, [
                {
                    policyName: "aws-rds-storage-encrypted",
                    policyPackName: "claude-enhancer",
                    policyPackVersion: pack.version,
                    enforcementLevel: "advisory",
                    severity: "critical",
                    urn: db.urn,
                    message: "RDS instances encrypt storage at rest with a customer-managed KMS key.\nstorageEncrypted is not true.",
                },
            ]);
        });

        it("skips disabled policies and runs stack policies on outputs", async () => {
            const without = [provider, stack()[1]];
            const enabled = await analyzeStack(pack, without, reconcileConfig(pack, {}));
            assert.ok(enabled.diagnostics.some((d) => d.policyName === "cost-budget-exists" && d.urn === undefined));
            const disabled = await analyzeStack(pack, without, reconcileConfig(pack, { "cost-budget-exists": "disabled" }));
            assert.ok(!disabled.diagnostics.some((d) => d.policyName === "cost-budget-exists"));
        });

        it("passes the provider's inputs along with a resource (cost tags come from defaultTags)", async () => {
            const untagged = f.awsProvider({ Project: "claude-enhancer" });
            const bucket = { ...f.bucketSet()[0], provider: `${untagged.urn}::x` };
            delete bucket.outputs.tagsAll;
            bucket.outputs.tags = {};
            const { diagnostics } = await analyzeStack(pack, [untagged, bucket], reconcileConfig(pack, {}));
            const tags = diagnostics.find((d) => d.policyName === "cost-required-tags");
            assert.match(tags?.message ?? "", /lacks cost tags Environment, CostCenter, ManagedBy\.$/);
            assert.ok(diagnostics.some((d) => d.policyName === "cost-provider-default-tags" && d.urn === untagged.urn));
        });

        it("reports no violation for a preview where computed inputs are unknown", async () => {
            const previewDb = changed(changed(stack()[1], ["kmsKeyId"], UNKNOWN), ["storageEncrypted"], UNKNOWN);
            const { diagnostics } = await analyzeStack(pack, [provider, previewDb, f.budget()], reconcileConfig(pack, {}));
            assert.deepEqual(
                diagnostics.filter((d) => d.urn === previewDb.urn),
                [],
            );
        });

        it("turns an unknown read a policy did not guard into an advisory 'can't run during preview', as the pack server does", async () => {
            const unguarded = {
                name: "unguarded",
                description: "Reads without guarding.",
                enforcementLevel: "mandatory" as const,
                validateResource: (args: { props: Record<string, any> }) => void args.props.storageEncrypted,
            };
            const custom = { ...pack, policies: [unguarded] };
            const db = changed(f.rdsPrimary(), ["storageEncrypted"], UNKNOWN);
            const { diagnostics } = await analyzeStack(custom, [db], reconcileConfig(custom, {}));
            assert.equal(diagnostics.length, 1);
            assert.equal(diagnostics[0].enforcementLevel, "advisory");
            assert.match(
                diagnostics[0].message,
                /^can't run policy 'unguarded' from policy pack 'claude-enhancer@v1\.0\.0' during preview: .* value at \.storageEncrypted can't be known during preview$/,
            );
        });
    });

    describe("parseStackExport", () => {
        const exported = (resources: unknown[], version: unknown = 3) =>
            JSON.stringify({ version, deployment: { manifest: {}, resources } });

        it("reads resources with names from their URNs, skipping pending deletions", () => {
            const urn = "urn:pulumi:staging::claude-enhancer::claude-enhancer:data:Database$aws:rds/instance:Instance::database-primary";
            const [db, ...rest] = parseStackExport(
                exported([
                    {
                        urn,
                        type: "aws:rds/instance:Instance",
                        custom: true,
                        inputs: { multiAz: false },
                        outputs: { multiAz: false, id: "db-1" },
                        provider: "urn:pulumi:staging::claude-enhancer::pulumi:providers:aws::aws-primary::1",
                        dependencies: ["a"],
                        propertyDependencies: { kmsKeyId: ["k"] },
                    },
                    { urn: `${urn}-old`, type: "aws:rds/instance:Instance", delete: true },
                ]),
            );
            assert.deepEqual(rest, []);
            assert.equal(db.name, "database-primary");
            assert.deepEqual(db.inputs, { multiAz: false });
            assert.deepEqual(db.propertyDependencies, { kmsKeyId: ["k"] });
            assert.equal(db.provider, "urn:pulumi:staging::claude-enhancer::pulumi:providers:aws::aws-primary::1");
        });

        it("unwraps secrets with plaintext and redacts those without", () => {
            const secret = (extra: object) => ({ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", ...extra });
            const [cache] = parseStackExport(
                exported([
                    {
                        urn: "urn:pulumi:s::p::aws:elasticache/replicationGroup:ReplicationGroup::cache",
                        type: "aws:elasticache/replicationGroup:ReplicationGroup",
                        inputs: { authToken: secret({ ciphertext: "AAAA" }), nested: [secret({ plaintext: '{"a":1}' })] },
                    },
                ]),
            );
            assert.deepEqual(cache.inputs, { authToken: REDACTED_SECRET, nested: [{ a: 1 }] });
        });

        it("reads back what toStackExport writes", () => {
            const resources = f.bucketSet().map((r) => ({ ...r, protect: false, propertyDependencies: {} }));
            assert.deepEqual(
                parseStackExport(toStackExport(resources)),
                resources.map((r) => ({ ...r, parent: undefined, provider: undefined, dependencies: r.dependencies ?? [] })),
            );
        });

        it("rejects what is not a v3 stack export, saying why", () => {
            assert.throws(
                () => parseStackExport("{"),
                (e: unknown) => e instanceof StackExportError && /^not JSON/.test(e.message),
            );
            assert.throws(() => parseStackExport("{}"), /no "deployment" object/);
            assert.throws(() => parseStackExport(exported([], 2)), /deployment format version 2 is not supported; expected 3/);
            assert.throws(() => parseStackExport(exported([{ type: "x" }])), /deployment.resources\[0\] has no urn or type/);
            assert.throws(() => parseStackExport(exported([{ urn: "u", type: "t", inputs: [] }])), /resource u: inputs is not an object/);
        });
    });
});
