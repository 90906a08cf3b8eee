import * as assert from "assert";
import { InterfaceEndpoints } from "../../../components/network/interfaceEndpoints";
import { RecordingMocks } from "../../harness/recorder";
import { withAwsProvider } from "../awsComponentFixtures";

const ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint";
const CIDRS = ["10.10.0.0/19", "10.10.32.0/19", "10.10.64.0/19"];

describe("InterfaceEndpoints component", function () {
    this.timeout(60_000);
    let mocks: RecordingMocks;
    let endpoints: InterfaceEndpoints;
    before(async () => {
        ({ mocks, built: endpoints } = await withAwsProvider(
            "staging",
            (provider) =>
                new InterfaceEndpoints(
                    "aws-endpoints",
                    {
                        vpcId: "vpc-1",
                        subnetIds: ["subnet-a", "subnet-b", "subnet-c"],
                        subnetCidrs: CIDRS,
                        services: ["secretsmanager", "sts"],
                    },
                    { providers: [provider] },
                ),
        ));
    });

    it("puts one private-DNS interface endpoint per service into every private subnet", () => {
        const byService: Record<string, Record<string, any>> = Object.fromEntries(
            mocks.ofType(ENDPOINT).map((e) => [e.inputs.serviceName, e.inputs]),
        );
        assert.deepStrictEqual(Object.keys(byService).sort(), ["com.amazonaws.us-east-1.secretsmanager", "com.amazonaws.us-east-1.sts"]);
        const securityGroup = mocks.one("aws:ec2/securityGroup:SecurityGroup");
        for (const endpoint of Object.values(byService)) {
            assert.strictEqual(endpoint.vpcEndpointType, "Interface");
            assert.strictEqual(endpoint.privateDnsEnabled, true);
            assert.strictEqual(endpoint.vpcId, "vpc-1");
            assert.deepStrictEqual(endpoint.subnetIds, ["subnet-a", "subnet-b", "subnet-c"]);
            assert.deepStrictEqual(endpoint.securityGroupIds, [securityGroup.id]);
        }
    });

    it("admits HTTPS from the private subnets only, and hands their CIDRs to the service's NetworkPolicy", () => {
        const securityGroup = mocks.one("aws:ec2/securityGroup:SecurityGroup");
        const rules = mocks.ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").map((r) => r.inputs);
        assert.deepStrictEqual(
            rules.map((r) => [r.securityGroupId, r.cidrIpv4, r.ipProtocol, r.fromPort, r.toPort]),
            CIDRS.map((cidr) => [securityGroup.id, cidr, "tcp", 443, 443]),
        );
        assert.strictEqual(mocks.ofType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").length, 0);
        assert.deepStrictEqual(endpoints.cidrs, CIDRS);
    });

    it("refuses an empty service list", () => {
        assert.throws(
            () => new InterfaceEndpoints("none", { vpcId: "vpc-1", subnetIds: [], subnetCidrs: [], services: [] }),
            /InterfaceEndpoints needs at least one AWS service/,
        );
    });
});
