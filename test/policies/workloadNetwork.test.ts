import * as assert from "node:assert/strict";
import { OPEN_EGRESS_REASON_ANNOTATION } from "../../components/kubernetes/networkPeers";
import { VPC_CNI_CONFIGURATION } from "../../components/cluster/eksCluster";
import { cniNetworkPolicyProblem, noOpenEgress, openDestination, workloadNetworkPolicies } from "../../policies/workloadNetwork";
import { describePolicies } from "./harness";
import { workloadNetworkCases } from "./workloadNetwork.cases";

describePolicies("Workload network policies", workloadNetworkPolicies, workloadNetworkCases);

describe("workload network policy details", () => {
    it("reads the annotation the program writes, and accepts the add-on settings it sends", () => {
        const properties = noOpenEgress.configSchema!.properties;
        assert.equal(properties.reasonAnnotation.default, OPEN_EGRESS_REASON_ANNOTATION);
        assert.equal(cniNetworkPolicyProblem(JSON.stringify(VPC_CNI_CONFIGURATION)), undefined);
    });

    it("reads the vpc-cni switch as the add-on schema spells it", () => {
        assert.equal(cniNetworkPolicyProblem('{"enableNetworkPolicy":"true"}'), undefined);
        assert.equal(cniNetworkPolicyProblem('{"enableNetworkPolicy":true}'), undefined);
        assert.match(cniNetworkPolicyProblem("{not json") ?? "", /not JSON/);
        assert.match(cniNetworkPolicyProblem("{}") ?? "", /enableNetworkPolicy to undefined/);
    });

    it("treats a rule without destinations, and any /0 block, as open", () => {
        assert.equal(openDestination({ to: [] }), "any destination (no `to`)");
        assert.equal(openDestination({ to: [{ ipBlock: { cidr: "10.0.0.0/8" } }, { ipBlock: { cidr: "0.0.0.0/0" } }] }), "0.0.0.0/0");
        assert.equal(openDestination({ to: [{ namespaceSelector: {} }] }), undefined);
        assert.equal(openDestination({ to: [{ ipBlock: { cidr: "203.0.113.0/24" } }] }), undefined);
    });
});
