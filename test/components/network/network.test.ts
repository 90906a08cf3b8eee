import * as assert from "assert";
import { INTERNAL_ELB_TAG, Network, PUBLIC_ELB_TAG } from "../../../components/network/network";
import { loadStackConfig } from "../../../config/stackFile";
import { RecordingMocks } from "../../harness/recorder";
import { isDescendantOf, resolved, withAwsProvider } from "../awsComponentFixtures";

const NAT = "aws:ec2/natGateway:NatGateway";
const ROUTE = "aws:ec2/route:Route";
const SUBNET = "aws:ec2/subnet:Subnet";

async function networkOf(stack: "staging" | "production") {
    const config = loadStackConfig(stack);
    const { mocks, built } = await withAwsProvider(stack, (provider) => new Network("network", config.network, { providers: [provider] }));
    return { mocks, network: built, config };
}

/** The default route of a route table. */
function defaultRoute(mocks: RecordingMocks, routeTableId: string) {
    const routes = mocks.ofType(ROUTE).filter((r) => r.inputs.routeTableId === routeTableId);
    assert.strictEqual(routes.length, 1, `route table ${routeTableId} has ${routes.length} routes`);
    assert.strictEqual(routes[0].inputs.destinationCidrBlock, "0.0.0.0/0");
    return routes[0].inputs;
}

describe("Network component", function () {
    this.timeout(60_000);

    describe("staging (10.10.0.0/16, 3 AZs, 1 NAT gateway)", () => {
        let mocks: RecordingMocks;
        let network: Network;
        before(async () => ({ mocks, network } = await networkOf("staging")));

        it("adopts the VPC's default security group and removes every rule from it", () => {
            const group = mocks.one("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup");
            assert.deepStrictEqual(
                [group.inputs.vpcId, group.inputs.ingress, group.inputs.egress, group.inputs.tags.Name],
                [mocks.one("aws:ec2/vpc:Vpc").id, [], [], "claude-enhancer-staging-default-locked"],
            );
            assert.strictEqual(group.parentUrn, mocks.one("claude-enhancer:network:Network").urn);
        });

        it("creates a VPC with DNS support and hostnames on the configured CIDR", () => {
            const vpc = mocks.one("aws:ec2/vpc:Vpc").inputs;
            assert.deepStrictEqual(
                { cidrBlock: vpc.cidrBlock, enableDnsSupport: vpc.enableDnsSupport, enableDnsHostnames: vpc.enableDnsHostnames },
                { cidrBlock: "10.10.0.0/16", enableDnsSupport: true, enableDnsHostnames: true },
            );
        });

        it("lays out a private and a public subnet per AZ, tagged for internal and internet-facing load balancers", () => {
            const subnets = mocks
                .ofType(SUBNET)
                .map((s) => ({ name: s.name, cidr: s.inputs.cidrBlock, az: s.inputs.availabilityZone, tags: s.inputs.tags }));
            const byName = Object.fromEntries(subnets.map((s) => [s.name, s]));
            assert.strictEqual(subnets.length, 6);
            assert.deepStrictEqual(
                [0, 1, 2].map((i) => [
                    byName[`network-private-${i}`].cidr,
                    byName[`network-private-${i}`].az,
                    byName[`network-public-${i}`].cidr,
                    byName[`network-public-${i}`].az,
                ]),
                [
                    ["10.10.0.0/19", "us-east-1a", "10.10.96.0/19", "us-east-1a"],
                    ["10.10.32.0/19", "us-east-1b", "10.10.128.0/19", "us-east-1b"],
                    ["10.10.64.0/19", "us-east-1c", "10.10.160.0/19", "us-east-1c"],
                ],
            );
            for (const i of [0, 1, 2]) {
                assert.strictEqual(byName[`network-public-${i}`].tags[PUBLIC_ELB_TAG], "1");
                assert.strictEqual(byName[`network-public-${i}`].tags[INTERNAL_ELB_TAG], undefined);
                assert.strictEqual(byName[`network-private-${i}`].tags[INTERNAL_ELB_TAG], "1");
                assert.strictEqual(byName[`network-private-${i}`].tags[PUBLIC_ELB_TAG], undefined);
            }
        });

        it("runs one NAT gateway, with an Elastic IP, in the first public subnet", () => {
            const nats = mocks.ofType(NAT);
            assert.strictEqual(nats.length, 1);
            assert.strictEqual(nats[0].inputs.subnetId, mocks.one(SUBNET, "network-public-0").id);
            assert.strictEqual(nats[0].inputs.allocationId, mocks.one("aws:ec2/eip:Eip", "network-nat-0").id);
            assert.strictEqual(mocks.one("aws:ec2/eip:Eip").inputs.domain, "vpc");
        });

        it("routes every private route table through the shared NAT gateway and the public one through the internet gateway", () => {
            const nat = mocks.one(NAT).id;
            for (const i of [0, 1, 2]) {
                const table = mocks.one("aws:ec2/routeTable:RouteTable", `network-private-${i}`).id;
                assert.strictEqual(defaultRoute(mocks, table).natGatewayId, nat);
                const association = mocks
                    .ofType("aws:ec2/routeTableAssociation:RouteTableAssociation")
                    .find((a) => a.inputs.subnetId === mocks.one(SUBNET, `network-private-${i}`).id);
                assert.strictEqual(association?.inputs.routeTableId, table);
            }
            const publicTable = mocks.one("aws:ec2/routeTable:RouteTable", "network-public").id;
            assert.strictEqual(defaultRoute(mocks, publicTable).gatewayId, mocks.one("aws:ec2/internetGateway:InternetGateway").id);
            const publicAssociations = mocks
                .ofType("aws:ec2/routeTableAssociation:RouteTableAssociation")
                .filter((a) => a.inputs.routeTableId === publicTable);
            assert.deepStrictEqual(
                publicAssociations.map((a) => a.inputs.subnetId).sort(),
                [0, 1, 2].map((i) => mocks.one(SUBNET, `network-public-${i}`).id).sort(),
            );
        });

        it("records all VPC traffic to a KMS-encrypted log group kept 30 days, through a role limited to that group", () => {
            const flowLog = mocks.one("aws:ec2/flowLog:FlowLog").inputs;
            const logGroup = mocks.one("aws:cloudwatch/logGroup:LogGroup");
            const key = mocks.one("aws:kms/key:Key");
            const role = mocks.one("aws:iam/role:Role");
            assert.strictEqual(flowLog.vpcId, mocks.one("aws:ec2/vpc:Vpc").id);
            assert.strictEqual(flowLog.trafficType, "ALL");
            assert.strictEqual(flowLog.logDestinationType, "cloud-watch-logs");
            assert.strictEqual(flowLog.logDestination, logGroup.state.arn);
            assert.strictEqual(flowLog.iamRoleArn, role.state.arn);
            assert.strictEqual(logGroup.inputs.retentionInDays, 30);
            assert.strictEqual(logGroup.inputs.name, "/claude-enhancer/staging/vpc-flow-logs");
            assert.strictEqual(logGroup.inputs.kmsKeyId, key.state.arn);
            assert.strictEqual(key.inputs.enableKeyRotation, true);
            const keyPolicy = JSON.parse(key.inputs.policy);
            assert.deepStrictEqual(keyPolicy.Statement[1].Condition, {
                ArnEquals: {
                    "kms:EncryptionContext:aws:logs:arn":
                        "arn:aws:logs:us-east-1:123456789012:log-group:/claude-enhancer/staging/vpc-flow-logs",
                },
            });
            assert.strictEqual(JSON.parse(role.inputs.assumeRolePolicy).Statement[0].Principal.Service, "vpc-flow-logs.amazonaws.com");
            const delivery = JSON.parse(mocks.one("aws:iam/rolePolicy:RolePolicy").inputs.policy);
            assert.deepStrictEqual(delivery.Statement[0].Resource, [logGroup.state.arn, `${logGroup.state.arn}:*`]);
        });

        it("creates every resource inside the component, with the explicit provider", () => {
            const component = mocks.one("claude-enhancer:network:Network");
            const children = mocks.resources.filter((r) => r.type.startsWith("aws:"));
            assert.ok(children.length > 20);
            for (const r of children) {
                assert.ok(isDescendantOf(mocks, r, component.urn), `${r.type} ${r.name} is not under the Network component`);
                assert.match(r.provider ?? "", /pulumi:providers:aws::aws::/, `${r.type} ${r.name} uses no explicit provider`);
            }
            const zones = mocks.invokes.filter((i) => i.token === "aws:index/getAvailabilityZones:getAvailabilityZones");
            assert.strictEqual(zones.length, 1);
            assert.match(zones[0].provider ?? "", /pulumi:providers:aws::aws::/);
            assert.deepStrictEqual(zones[0].inputs.filters, [{ name: "opt-in-status", values: ["opt-in-not-required"] }]);
        });

        it("exposes the VPC, subnet, NAT and route table ids", async () => {
            assert.strictEqual(await resolved(network.vpcId), mocks.one("aws:ec2/vpc:Vpc").id);
            assert.strictEqual(network.vpcCidr, "10.10.0.0/16");
            assert.deepStrictEqual(
                await Promise.all(network.privateSubnetIds.map(resolved)),
                [0, 1, 2].map((i) => `network-private-${i}-id`),
            );
            assert.deepStrictEqual(
                await Promise.all(network.publicSubnetIds.map(resolved)),
                [0, 1, 2].map((i) => `network-public-${i}-id`),
            );
            assert.deepStrictEqual(await Promise.all(network.natGatewayIds.map(resolved)), ["network-nat-0-id"]);
            assert.deepStrictEqual(
                await Promise.all(network.privateRouteTableIds.map(resolved)),
                [0, 1, 2].map((i) => `network-private-${i}-id`),
            );
        });
    });

    describe("production (10.20.0.0/16, 3 AZs, 3 NAT gateways)", () => {
        let mocks: RecordingMocks;
        before(async () => ({ mocks } = await networkOf("production")));

        it("runs a NAT gateway in each AZ's public subnet", () => {
            const nats = mocks.ofType(NAT);
            assert.strictEqual(nats.length, 3);
            assert.strictEqual(mocks.ofType("aws:ec2/eip:Eip").length, 3);
            for (const i of [0, 1, 2])
                assert.strictEqual(mocks.one(NAT, `network-nat-${i}`).inputs.subnetId, mocks.one(SUBNET, `network-public-${i}`).id);
        });

        it("routes each AZ's private subnet through the NAT gateway of its own AZ", () => {
            for (const i of [0, 1, 2]) {
                const table = mocks.one("aws:ec2/routeTable:RouteTable", `network-private-${i}`).id;
                assert.strictEqual(defaultRoute(mocks, table).natGatewayId, mocks.one(NAT, `network-nat-${i}`).id);
            }
        });

        it("keeps flow logs 90 days", () => {
            assert.strictEqual(mocks.one("aws:cloudwatch/logGroup:LogGroup").inputs.retentionInDays, 90);
        });

        it("uses the 10.20.0.0/16 block for its subnets", () => {
            assert.deepStrictEqual(
                mocks
                    .ofType(SUBNET)
                    .map((s) => s.inputs.cidrBlock)
                    .sort(),
                ["10.20.0.0/19", "10.20.128.0/19", "10.20.160.0/19", "10.20.32.0/19", "10.20.64.0/19", "10.20.96.0/19"],
            );
        });
    });
});
