import * as assert from "assert";
import { ConfigError, loadPlatformConfig, parsePlatformConfig } from "../../config";
import { loadStackConfig, readStackSettings, STACKS } from "../../config/stackFile";
import { setStackConfig, stackSecrets } from "../harness/program";
import { problemsOf } from "./problems";

/** Staging's real settings with one value replaced (path of keys → new value, `undefined` deletes). */
function stagingWith(path: (string | number)[], value: unknown): Record<string, unknown> {
    const settings = structuredClone(readStackSettings("staging")) as Record<string, any>;
    let target: any = settings;
    for (const key of path.slice(0, -1)) target = target[key];
    const last = path[path.length - 1];
    if (value === undefined) delete target[last];
    else target[last] = value;
    return settings;
}

describe("stack configuration schema", () => {
    for (const stack of STACKS) {
        it(`accepts Pulumi.${stack}.yaml`, () => {
            const config = loadStackConfig(stack);
            assert.strictEqual(config.environment, stack);
        });
    }

    it("fills defaults for omitted keys", () => {
        const config = loadStackConfig("local");
        assert.strictEqual(config.network.azCount, 3);
        assert.strictEqual(config.network.natGateways, 1);
        assert.strictEqual(config.storage.transitionToIaDays, 30);
        assert.strictEqual(config.metrics.requestsTotal, "http_requests_total");
    });

    const badConfigs: { what: string; path: (string | number)[]; value: unknown; message: string }[] = [
        {
            what: "a wrong type",
            path: ["network", "azCount"],
            value: "three",
            message: 'claude-enhancer:network.azCount: got "three"; expected a value of type number',
        },
        {
            what: "an out-of-range number",
            path: ["network", "azCount"],
            value: 9,
            message: "claude-enhancer:network.azCount: got 9; expected a number <= 6",
        },
        {
            what: "more NAT gateways than AZs",
            path: ["network", "natGateways"],
            value: 4,
            message:
                "claude-enhancer:network.natGateways: got 4; expected natGateways <= azCount (a NAT gateway lives in one AZ's public subnet)",
        },
        {
            what: "an RDS instance class of unknown format",
            path: ["database", "instanceClass"],
            value: "r6g.large",
            message: 'claude-enhancer:database.instanceClass: got "r6g.large"; expected an RDS instance class such as db.r6g.large',
        },
        {
            what: "an EC2 instance type of unknown format",
            path: ["cluster", "nodeGroups", 1, "instanceTypes", 0],
            value: "t3-medium",
            message:
                'claude-enhancer:cluster.nodeGroups[1].instanceTypes[0]: got "t3-medium"; expected an EC2 instance type such as t3.medium or m5.large',
        },
        {
            what: "a node group whose minimum exceeds its maximum",
            path: ["cluster", "nodeGroups", 0, "minSize"],
            value: 5,
            message: "claude-enhancer:cluster.nodeGroups[0].minSize: got 5; expected minSize <= maxSize",
        },
        {
            what: "a missing required key",
            path: ["database", "instanceClass"],
            value: undefined,
            message: "claude-enhancer:database.instanceClass: got nothing (the key is missing); expected a value of type string",
        },
        {
            what: "an unknown enum value",
            path: ["cluster", "nodeGroups", 1, "capacityType"],
            value: "spot",
            message: 'claude-enhancer:cluster.nodeGroups[1].capacityType: got "spot"; expected one of "ON_DEMAND", "SPOT"',
        },
        {
            what: "a misspelt key",
            path: ["network", "natGateway"],
            value: 1,
            message: "claude-enhancer:network.natGateway: unknown key; check its spelling or remove it",
        },
        {
            what: "an invalid CIDR",
            path: ["network", "cidr"],
            value: "10.0.0.0/8",
            message:
                'claude-enhancer:network.cidr: got "10.0.0.0/8"; expected an IPv4 CIDR block with octets <= 255 and a prefix between /16 and /24',
        },
        {
            what: "a backup retention beyond what RDS allows",
            path: ["database", "backupRetentionDays"],
            value: 40,
            message: "claude-enhancer:database.backupRetentionDays: got 40; expected a number <= 35",
        },
        {
            what: "a flow-log retention CloudWatch does not offer",
            path: ["network", "flowLogRetentionDays"],
            value: 45,
            message: "claude-enhancer:network.flowLogRetentionDays: got 45; expected a CloudWatch Logs retention period: one of 1, 3, 5,",
        },
        {
            what: "the same region for primary and DR",
            path: ["aws", "drRegion"],
            value: "us-east-1",
            message: 'claude-enhancer:aws.drRegion: got "us-east-1"; expected drRegion different from region',
        },
        {
            what: "a lifecycle that expires before Glacier",
            path: ["storage", "backupExpirationDays"],
            value: 60,
            message: "claude-enhancer:storage.backupExpirationDays: got 60; expected backupExpirationDays > transitionToGlacierDays",
        },
        {
            what: "a budget that is not positive",
            path: ["budget", "monthlyLimitUsd"],
            value: 0,
            message: "claude-enhancer:budget.monthlyLimitUsd: got 0; expected a number > 0",
        },
        {
            what: "an invalid budget e-mail",
            path: ["budget", "notificationEmails", 0],
            value: "platform-team",
            message: 'claude-enhancer:budget.notificationEmails[0]: got "platform-team"; expected an e-mail address',
        },
        {
            what: "an unknown environment",
            path: ["environment"],
            value: "prod",
            message: 'claude-enhancer:environment: got "prod"; expected one of "staging", "production", "local"',
        },
    ];

    for (const bad of badConfigs) {
        it(`rejects ${bad.what} with key path, value and expectation`, () => {
            const problems = problemsOf(stagingWith(bad.path, bad.value));
            assert.ok(
                problems.some((p) => p.startsWith(bad.message)),
                `no problem starts with\n  ${bad.message}\ngot:\n  ${problems.join("\n  ")}`,
            );
        });
    }

    it("names the Gateway the Gateway API router attaches to, and rejects an unknown router", () => {
        const local = readStackSettings("local") as Record<string, any>;
        assert.deepStrictEqual(problemsOf({ ...local, mesh: { router: "gateway-api" } }), [
            'claude-enhancer:mesh.gatewayApi: got nothing (the key is missing); expected an object {gatewayNamespace, gatewayName} (the Gateway the HTTPRoute attaches to; mesh.router is "gateway-api")',
        ]);
        assert.deepStrictEqual(
            problemsOf({ ...local, mesh: { router: "gateway-api", gatewayApi: { gatewayNamespace: "Gateways", gatewayName: "public" } } }),
            [
                "claude-enhancer:mesh.gatewayApi.gatewayNamespace: got \"Gateways\"; expected a Kubernetes object name (lowercase letters, digits and '-')",
            ],
        );
        assert.deepStrictEqual(problemsOf({ ...local, mesh: { router: "traefik" } }), [
            'claude-enhancer:mesh.router: got "traefik"; expected one of "istio", "nginx", "gateway-api"',
        ]);
        const config = parsePlatformConfig({
            ...local,
            mesh: { router: "gateway-api", gatewayApi: { gatewayNamespace: "gateways", gatewayName: "public" } },
        });
        assert.deepStrictEqual(config.mesh.gatewayApi, { gatewayNamespace: "gateways", gatewayName: "public" });
    });

    it("rejects RDS on a cluster that is not EKS", () => {
        const raw = { ...readStackSettings("local"), database: { mode: "rds", instanceClass: "db.t4g.medium" } };
        assert.deepStrictEqual(problemsOf(raw), [
            'claude-enhancer:database.mode: got "rds"; expected "in-cluster" ("rds" needs cluster.mode "eks")',
        ]);
    });

    it("requires a budget and regions on AWS stacks", () => {
        const raw = stagingWith(["budget"], undefined);
        delete raw.aws;
        const problems = problemsOf(raw);
        assert.ok(
            problems.some((p) =>
                p.startsWith("claude-enhancer:aws: got nothing (the key is missing); expected an object {region, drRegion}"),
            ),
            problems.join("\n"),
        );
        assert.ok(
            problems.some((p) => p.startsWith("claude-enhancer:budget: got nothing")),
            problems.join("\n"),
        );
    });

    it("reports every problem at once, not only the first", () => {
        const raw = stagingWith(["network", "flowLogRetentionDays"], 45);
        (raw.database as Record<string, unknown>).backupRetentionDays = -1;
        assert.strictEqual(problemsOf(raw).length, 2);
    });

    it("puts all problems in the error message pulumi preview prints", () => {
        assert.throws(
            () => parsePlatformConfig(stagingWith(["network", "azCount"], 1)),
            (err: Error) =>
                err.message.startsWith("invalid stack configuration:\n  - claude-enhancer:network.azCount: got 1; expected a number >= 2"),
        );
    });

    describe("as read from the Pulumi runtime", () => {
        it("decodes plain strings and structured values", () => {
            setStackConfig(readStackSettings("production"), stackSecrets("production"));
            const config = loadPlatformConfig();
            assert.strictEqual(config.environment, "production");
            assert.strictEqual(config.network.natGateways, 3);
        });

        it("rejects a misspelt top-level key instead of ignoring it", () => {
            setStackConfig({ ...readStackSettings("local"), netwrok: { azCount: 2 } });
            assert.throws(
                () => loadPlatformConfig(),
                (err: ConfigError) =>
                    err.problems[0].startsWith("claude-enhancer:netwrok: unknown key; expected one of environment, aws, tags, network"),
            );
        });

        it("ignores other namespaces' keys", () => {
            setStackConfig(readStackSettings("local"), { "aws:region": "us-east-1" });
            assert.strictEqual(loadPlatformConfig().environment, "local");
        });
    });
});
