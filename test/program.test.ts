import * as assert from "assert";
import { STACKS } from "../config/stackFile";
import { ProgramRun, runProgram } from "./harness/program";
import { RecordedResource } from "./harness/recorder";

const runs: Partial<Record<(typeof STACKS)[number], ProgramRun>> = {};

async function programFor(stack: (typeof STACKS)[number]): Promise<ProgramRun> {
    runs[stack] ??= await runProgram(stack);
    return runs[stack]!;
}

const aws = (r: RecordedResource) => r.type.startsWith("aws:");
const count = (run: ProgramRun, type: string) => run.mocks.ofType(type).length;

/** The whole program, evaluated under the mock runtime with each stack's real Pulumi.<stack>.yaml. */
describe("the whole program", function () {
    this.timeout(120_000);

    for (const stack of STACKS) {
        describe(`stack ${stack}`, () => {
            it("registers every custom resource under a component, every component under the claude-enhancer: prefix", async () => {
                const run = await programFor(stack);
                const orphans = run.resources.filter((r) => r.custom && !r.parentUrn && !r.type.startsWith("pulumi:providers:"));
                assert.deepStrictEqual(
                    orphans.map((r) => `${r.type} ${r.name}`),
                    [],
                );
                const components = run.resources.filter((r) => !r.custom);
                assert.ok(components.length > 0);
                for (const c of components) assert.match(c.type, /^claude-enhancer:[a-z]+:[A-Z]\w+$/, `component type ${c.type}`);
            });

            it("creates every AWS resource through an explicit provider (so the cost tags reach it)", async () => {
                const run = await programFor(stack);
                const implicit = run.resources.filter((r) => aws(r) && !/[:$]pulumi:providers:aws::/.test(r.provider ?? ""));
                assert.deepStrictEqual(
                    implicit.map((r) => `${r.type} ${r.name}`),
                    [],
                );
            });

            it("keeps the kubeconfig and the Redis AUTH token secret in the stack outputs", async () => {
                const run = await programFor(stack);
                for (const key of ["kubeconfig", "redisAuthToken"])
                    assert.ok(run.secretOutputs.includes(key), `${key} is not a secret output`);
            });
        });
    }

    describe("production", () => {
        it("has one NAT gateway per AZ", async () => {
            assert.strictEqual(count(await programFor("production"), "aws:ec2/natGateway:NatGateway"), 3);
        });

        it("has a Multi-AZ primary with deletion protection and a final snapshot, and a read replica", async () => {
            const run = await programFor("production");
            const instances = run.mocks.ofType("aws:rds/instance:Instance");
            const primaries = instances.filter((r) => !r.inputs.replicateSourceDb);
            const replicas = instances.filter((r) => r.inputs.replicateSourceDb);
            assert.strictEqual(primaries.length, 1);
            assert.ok(replicas.length >= 1, "no read replica");
            const primary = primaries[0].inputs;
            assert.strictEqual(primary.multiAz, true);
            assert.strictEqual(primary.deletionProtection, true);
            assert.strictEqual(primary.skipFinalSnapshot, false);
            assert.strictEqual(primary.storageEncrypted, true);
            assert.strictEqual(primary.backupRetentionPeriod, 30);
        });

        it("protects every stateful resource", async () => {
            const run = await programFor("production");
            // Data and the keys that encrypt it: losing either loses the data.
            const stateful = run.resources.filter(
                (r) =>
                    ["aws:rds/instance:Instance", "aws:elasticache/replicationGroup:ReplicationGroup", "aws:s3/bucket:Bucket"].includes(
                        r.type,
                    ) ||
                    (r.type === "aws:kms/key:Key" && /^(database|cache|storage)-/.test(r.name)),
            );
            assert.ok(stateful.length >= 5);
            assert.deepStrictEqual(
                stateful.filter((r) => !r.protect).map((r) => `${r.type} ${r.name}`),
                [],
            );
        });

        it("runs Redis in cluster mode with 3 shards × 1 replica, encrypted in transit and at rest", async () => {
            const rg = (await programFor("production")).mocks.one("aws:elasticache/replicationGroup:ReplicationGroup").inputs;
            assert.strictEqual(rg.numNodeGroups, 3);
            assert.strictEqual(rg.replicasPerNodeGroup, 1);
            assert.strictEqual(rg.transitEncryptionEnabled, true);
            assert.strictEqual(rg.atRestEncryptionEnabled, true);
            assert.strictEqual(rg.automaticFailoverEnabled, true);
        });

        it("keeps the EKS API endpoint private", async () => {
            const cluster = (await programFor("production")).mocks.one("aws:eks/cluster:Cluster").inputs;
            assert.strictEqual(cluster.vpcConfig.endpointPublicAccess, false);
            assert.strictEqual(cluster.vpcConfig.endpointPrivateAccess, true);
        });

        it("tags every AWS resource for cost allocation through the providers' defaultTags", async () => {
            const providers = (await programFor("production")).mocks.ofType("pulumi:providers:aws");
            assert.ok(providers.length >= 2);
            for (const p of providers) {
                const tags = JSON.parse(p.inputs.defaultTags).tags;
                assert.deepStrictEqual(
                    { Project: tags.Project, Environment: tags.Environment, CostCenter: tags.CostCenter, ManagedBy: tags.ManagedBy },
                    {
                        Project: "claude-enhancer",
                        Environment: "production",
                        CostCenter: "claude-enhancer-production",
                        ManagedBy: "pulumi",
                    },
                );
            }
        });
    });

    describe("image supply, read replica and egress (AWS stacks)", () => {
        const appDeployment = (run: ProgramRun) =>
            run.mocks.ofType("kubernetes:apps/v1:Deployment").find((d) => d.inputs.metadata.name === "claude-enhancer-stable")!;
        const appEnv = (run: ProgramRun) =>
            Object.fromEntries(appDeployment(run).inputs.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));

        for (const stack of ["staging", "production"] as const) {
            it(`${stack}: runs the stable version from the stack's ECR repository, exported as imageRepositoryUrl`, async () => {
                const run = await programFor(stack);
                const url = run.mocks.one("aws:ecr/repository:Repository").state.repositoryUrl;
                assert.strictEqual(url, `123456789012.dkr.ecr.us-east-1.amazonaws.com/claude-enhancer-${stack}`);
                assert.strictEqual(appDeployment(run).inputs.spec.template.spec.containers[0].image, `${url}:5.0.0`);
                assert.strictEqual(run.outputs.imageRepositoryUrl, url);
            });

            it(`${stack}: hands the read replica's endpoint to the app as DATABASE_READ_HOST and exports it`, async () => {
                const run = await programFor(stack);
                const replica = run.mocks
                    .ofType("aws:rds/instance:Instance")
                    .find((r) => r.inputs.replicateSourceDb && r.name === "database-replica")!;
                assert.strictEqual(appEnv(run).DATABASE_READ_HOST, replica.state.address);
                assert.notStrictEqual(appEnv(run).DATABASE_READ_HOST, appEnv(run).DATABASE_HOST);
                assert.strictEqual(run.outputs.databaseReadHost, replica.state.address);
            });

            it(`${stack}: sends the app's AWS API calls to the Secrets Manager and STS endpoints in the private subnets, nowhere else`, async () => {
                const run = await programFor(stack);
                const endpoints = run.mocks.ofType("aws:ec2/vpcEndpoint:VpcEndpoint").map((e) => e.inputs.serviceName);
                assert.deepStrictEqual(endpoints.sort(), ["com.amazonaws.us-east-1.secretsmanager", "com.amazonaws.us-east-1.sts"]);
                const privateCidrs = run.mocks
                    .ofType("aws:ec2/subnet:Subnet")
                    .filter((s) => s.name.startsWith("network-private-"))
                    .map((s) => s.inputs.cidrBlock)
                    .sort();
                const np = run.mocks
                    .ofType("kubernetes:networking.k8s.io/v1:NetworkPolicy")
                    .find((p) => p.inputs.metadata.name === "claude-enhancer")!;
                const https = np.inputs.spec.egress.filter((rule: any) => rule.ports.some((p: any) => p.port === 443));
                assert.deepStrictEqual(
                    https.map((rule: any) => rule.to.map((peer: any) => peer.ipBlock.cidr).sort()),
                    [privateCidrs],
                );
                for (const rule of np.inputs.spec.egress)
                    assert.ok(rule.to?.length > 0, `egress rule open to any destination: ${JSON.stringify(rule)}`);
            });
        }
    });

    describe("staging", () => {
        it("shares one NAT gateway and protects nothing", async () => {
            const run = await programFor("staging");
            assert.strictEqual(count(run, "aws:ec2/natGateway:NatGateway"), 1);
            assert.deepStrictEqual(
                run.resources.filter((r) => r.protect).map((r) => r.name),
                [],
            );
        });

        it("runs application nodes on spot and system nodes on demand", async () => {
            const groups = (await programFor("staging")).mocks.ofType("aws:eks/nodeGroup:NodeGroup");
            const capacity = Object.fromEntries(groups.map((g) => [g.inputs.labels?.["claude-enhancer.io/role"], g.inputs.capacityType]));
            assert.deepStrictEqual(capacity, { system: "ON_DEMAND", app: "SPOT" });
        });

        it("has a 500 USD monthly budget", async () => {
            const budget = (await programFor("staging")).mocks.one("aws:budgets/budget:Budget").inputs;
            assert.strictEqual(Number(budget.limitAmount), 500);
        });
    });

    describe("local", () => {
        it("creates no AWS resource and no AWS provider", async () => {
            const run = await programFor("local");
            assert.deepStrictEqual(
                run.resources.filter((r) => aws(r) || r.type === "pulumi:providers:aws").map((r) => r.type),
                [],
            );
        });

        it("runs PostgreSQL and Redis in the cluster", async () => {
            const run = await programFor("local");
            const sets = run.mocks
                .ofType("kubernetes:apps/v1:StatefulSet")
                .map((s) => s.inputs.spec.template.spec.containers[0].image as string);
            assert.ok(
                sets.some((image) => image.startsWith("postgres:15")),
                sets.join(", "),
            );
            assert.ok(
                sets.some((image) => image.startsWith("redis:7")),
                sets.join(", "),
            );
            assert.match(String(run.outputs.databaseHost), /\.svc\.cluster\.local$/);
            // No replica: reads go to the primary.
            assert.strictEqual(run.outputs.databaseReadHost, run.outputs.databaseHost);
        });

        it("runs the public release image and has no image repository output", async () => {
            const run = await programFor("local");
            const stable = run.mocks
                .ofType("kubernetes:apps/v1:Deployment")
                .find((d) => d.inputs.metadata.name === "claude-enhancer-stable")!;
            assert.strictEqual(stable.inputs.spec.template.spec.containers[0].image, "ghcr.io/example-org/claude-enhancer:5.0.0");
            assert.strictEqual(run.outputs.imageRepositoryUrl, undefined);
        });
    });
});
