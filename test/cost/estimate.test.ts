import * as assert from "assert";
import { spawnSync } from "child_process";
import * as path from "path";
import { parsePlatformConfig } from "../../config";
import { loadStackConfig, PROJECT_ROOT, readStackSettings } from "../../config/stackFile";
import { CostEstimate, estimateMonthlyCost, formatMarkdown, formatText } from "../../cost/estimate";
import { LIST_PRICES } from "../../cost/prices";

/**
 * A small AWS stack whose arithmetic is easy to redo by hand: staging's stack file (for the keys the
 * estimate does not read) with the priced parts replaced.
 */
function smallStack(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        ...readStackSettings("staging"),
        network: { natGateways: 1 },
        offHours: { enabled: false },
        cluster: {
            mode: "eks",
            nodeGroups: [
                {
                    name: "app",
                    role: "app",
                    instanceTypes: ["m5.large"],
                    capacityType: "ON_DEMAND",
                    minSize: 1,
                    desiredSize: 2,
                    maxSize: 4,
                    diskSizeGb: 20,
                },
            ],
        },
        database: { mode: "rds", instanceClass: "db.t4g.micro", allocatedStorageGb: 20, maxAllocatedStorageGb: 40 },
        cache: { mode: "elasticache", nodeType: "cache.t4g.micro", shards: 1, replicasPerShard: 1 },
        ...overrides,
    };
}

const amounts = (e: CostEstimate): Record<string, number> =>
    Object.fromEntries(e.lineItems.map((i) => [`${i.component} ${i.item}`, i.monthlyUsd]));

describe("cost estimate", () => {
    it("prices a known configuration to a known total", () => {
        const estimate = estimateMonthlyCost("small", parsePlatformConfig(smallStack()));
        assert.deepStrictEqual(amounts(estimate), {
            "EKS control plane": 73, // 0.10 × 730
            "EC2 node group app: 2 × m5.large": 140.16, // 2 × 0.096 × 730
            "EC2 node group app: root volumes gp3 20 GB": 3.2, // 2 × 20 × 0.08
            "RDS primary db.t4g.micro": 11.68, // 0.016 × 730
            "RDS primary storage gp3 20 GB": 2.3, // 20 × 0.115
            "ElastiCache 2 × cache.t4g.micro (1 shard(s) × (1 + 1 replica(s)))": 23.36, // 2 × 0.016 × 730
            "VPC 1 NAT gateway(s), hourly charge": 32.85, // 0.045 × 730
            "VPC 2 interface endpoints (secretsmanager, sts) × 3 AZs": 43.8, // 2 × 3 × 0.01 × 730
        });
        assert.strictEqual(estimate.totalUsd, 330.35);
        assert.strictEqual(estimate.pricesAsOf, "2025-06-01");
        assert.strictEqual(estimate.region, "us-east-1");
    });

    it("moves with the config: Multi-AZ, a replica, DR, shards, spot, NAT count", () => {
        const config = parsePlatformConfig(
            smallStack({
                environment: "production",
                network: { natGateways: 3 },
                cluster: {
                    mode: "eks",
                    nodeGroups: [
                        {
                            name: "app",
                            role: "app",
                            instanceTypes: ["t3.large", "m5.large"],
                            capacityType: "SPOT",
                            minSize: 1,
                            desiredSize: 4,
                            maxSize: 8,
                            diskSizeGb: 50,
                        },
                    ],
                },
                database: {
                    mode: "rds",
                    instanceClass: "db.r6g.large",
                    allocatedStorageGb: 100,
                    maxAllocatedStorageGb: 200,
                    multiAz: true,
                    readReplica: true,
                },
                cache: { mode: "elasticache", nodeType: "cache.r6g.large", shards: 3, replicasPerShard: 2 },
                dr: { enabled: true, replicaInstanceClass: "db.r6g.xlarge" },
            }),
        );
        const estimate = estimateMonthlyCost("big", config);
        assert.deepStrictEqual(amounts(estimate), {
            "EKS control plane": 73,
            "EC2 node group app: 4 × t3.large spot": 85.03, // 4 × 0.0832 × 0.35 × 730 = 85.0304
            "EC2 node group app: root volumes gp3 50 GB": 16, // 4 × 50 × 0.08
            "RDS primary db.r6g.large Multi-AZ": 328.5, // 0.225 × 730 × 2
            "RDS primary storage gp3 100 GB": 23, // 100 × 0.115 × 2
            "RDS read replica db.r6g.large": 164.25,
            "RDS read replica storage gp3 100 GB": 11.5,
            "RDS DR cross-region replica db.r6g.xlarge Multi-AZ": 657, // 0.45 × 730 × 2, like the primary
            "RDS DR cross-region replica storage gp3 100 GB": 23,
            "ElastiCache 9 × cache.r6g.large (3 shard(s) × (1 + 2 replica(s)))": 1353.42, // 9 × 0.206 × 730
            "VPC 3 NAT gateway(s), hourly charge": 98.55,
            "VPC 2 interface endpoints (secretsmanager, sts) × 3 AZs": 43.8,
        });
        assert.strictEqual(estimate.totalUsd, 2877.05);
    });

    it("applies the off-hours schedule: full size 70 of 168 h a week, the floor the rest", () => {
        const config = parsePlatformConfig(smallStack({ offHours: { enabled: true, minNodes: 1 } }));
        const estimate = estimateMonthlyCost("small", config);
        const nodes = estimate.lineItems.find((i) => i.item === "node group app: 2 × m5.large");
        // (2 × 70/168 + 1 × 98/168) = 1.41667 average nodes × 0.096 × 730 = 99.28
        assert.deepStrictEqual(nodes, {
            component: "EC2",
            item: "node group app: 2 × m5.large",
            formula: "(2 × 70/168 + 1 × 98/168 off-hours) × $0.096/h × 730 h",
            monthlyUsd: 99.28,
        });
        assert.strictEqual(amounts(estimate)["EC2 node group app: root volumes gp3 20 GB"], 2.27); // 1.41667 × 20 × 0.08
    });

    it("gives the stack files' baselines", () => {
        assert.strictEqual(estimateMonthlyCost("staging", loadStackConfig("staging")).totalUsd, 397.88);
        assert.strictEqual(estimateMonthlyCost("production", loadStackConfig("production")).totalUsd, 2744.6);
        const local = estimateMonthlyCost("local", loadStackConfig("local"));
        assert.deepStrictEqual([local.lineItems, local.totalUsd, local.excluded], [[], 0, []]);
    });

    it("names the instance type it has no list price for", () => {
        const config = parsePlatformConfig(smallStack({ cache: { mode: "elasticache", nodeType: "cache.r7g.large" } }));
        assert.throws(() => estimateMonthlyCost("small", config), {
            message: "no ElastiCache list price for cache.r7g.large in cost/prices.ts; add it (us-east-1 on-demand, as of 2025-06-01)",
        });
    });

    it("takes prices from the table it is given", () => {
        const prices = { ...LIST_PRICES, eksControlPlaneHourly: 0.6 };
        assert.strictEqual(estimateMonthlyCost("small", parsePlatformConfig(smallStack()), prices).lineItems[0].monthlyUsd, 438);
    });

    it("formats the README table and the terminal report", () => {
        const estimates = [
            estimateMonthlyCost("small", parsePlatformConfig(smallStack())),
            estimateMonthlyCost("local", loadStackConfig("local")),
        ];
        const markdown = formatMarkdown(estimates);
        assert.match(markdown, /^Monthly baseline at us-east-1 on-demand list prices as of 2025-06-01 \(730 h\/month;/);
        assert.ok(markdown.includes("| stack | USD / month |\n|---|---:|\n| small | $330.35 |\n| local | $0.00 |"), markdown);
        assert.ok(markdown.includes("| EC2 | node group app: 2 × m5.large | 2 × $0.096/h × 730 h | $140.16 |"), markdown);
        assert.ok(markdown.includes("No AWS resources"), markdown);
        const text = formatText(estimates);
        assert.ok(text.startsWith("small: $330.35 / month (us-east-1 list prices as of 2025-06-01)\n"), text);
        assert.ok(text.includes("local: $0.00 / month"), text);
    });

    it("npm run cost prints the stack's baseline from its stack file", function () {
        this.timeout(60000);
        const run = spawnSync(
            process.execPath,
            ["-r", "ts-node/register/transpile-only", path.join(PROJECT_ROOT, "bin/cost.ts"), "--stack", "staging"],
            {
                cwd: PROJECT_ROOT,
                encoding: "utf8",
            },
        );
        assert.strictEqual(run.status, 0, run.stderr);
        assert.ok(run.stdout.startsWith("staging: $397.88 / month (us-east-1 list prices as of 2025-06-01)\n"), run.stdout);
        const bad = spawnSync(
            process.execPath,
            ["-r", "ts-node/register/transpile-only", path.join(PROJECT_ROOT, "bin/cost.ts"), "--stack", "nope"],
            {
                cwd: PROJECT_ROOT,
                encoding: "utf8",
            },
        );
        assert.strictEqual(bad.status, 1);
        assert.match(bad.stderr, /^cost: no stack file .*Pulumi\.nope\.yaml \(known stacks: staging, production, local\)/);
    });
});
