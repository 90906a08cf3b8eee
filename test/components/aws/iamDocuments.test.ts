import * as assert from "assert";
import {
    awsManagedPolicyArn,
    clusterEncryptionPolicy,
    flowLogsAssumeRolePolicy,
    flowLogsDeliveryPolicy,
    irsaAssumeRolePolicy,
    logsKeyPolicy,
    serviceAssumeRolePolicy,
    serviceKeyPolicy,
} from "../../../components/aws/iamDocuments";
import { OPENSEARCH_LOG_TYPES, openSearchLogGroupName, openSearchLogsResourcePolicy } from "../../../components/aws/openSearchLogs";

const SCOPE = { partition: "aws-cn", accountId: "111122223333", region: "cn-north-1", dnsSuffix: "amazonaws.com.cn" };

describe("IAM policy documents", () => {
    it("lets a service assume a role", () => {
        assert.deepStrictEqual(serviceAssumeRolePolicy("eks.amazonaws.com"), {
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: { Service: "eks.amazonaws.com" }, Action: "sts:AssumeRole" }],
        });
    });

    it("spells AWS-managed policy ARNs in the partition", () => {
        assert.strictEqual(
            awsManagedPolicyArn("aws-us-gov", "service-role/AmazonEBSCSIDriverPolicy"),
            "arn:aws-us-gov:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy",
        );
    });

    it("limits the flow-log role's trust to this account's flow logs in this region", () => {
        assert.deepStrictEqual(flowLogsAssumeRolePolicy(SCOPE).Statement[0].Condition, {
            StringEquals: { "aws:SourceAccount": "111122223333" },
            ArnLike: { "aws:SourceArn": "arn:aws-cn:ec2:cn-north-1:111122223333:vpc-flow-log/*" },
        });
    });

    it("lets the flow-log role write only its log group and its streams", () => {
        const arn = "arn:aws:logs:us-east-1:123456789012:log-group:/x/flow";
        assert.deepStrictEqual(flowLogsDeliveryPolicy(arn).Statement, [
            {
                Effect: "Allow",
                Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogGroups", "logs:DescribeLogStreams"],
                Resource: [arn, `${arn}:*`],
            },
        ]);
    });

    it("lets the regional CloudWatch Logs service use a log key for its one log group only", () => {
        const [admin, logs] = logsKeyPolicy(SCOPE, "/aws/eks/c/cluster").Statement;
        assert.deepStrictEqual(admin.Principal, { AWS: "arn:aws-cn:iam::111122223333:root" });
        assert.deepStrictEqual(logs.Principal, { Service: "logs.cn-north-1.amazonaws.com.cn" });
        assert.deepStrictEqual(logs.Condition, {
            ArnEquals: { "kms:EncryptionContext:aws:logs:arn": "arn:aws-cn:logs:cn-north-1:111122223333:log-group:/aws/eks/c/cluster" },
        });
        assert.ok(!(logs.Action as string[]).includes("kms:*"));
    });

    it("lets the account administer a service key and its principals use it only through the named services of the region", () => {
        assert.deepStrictEqual(serviceKeyPolicy(SCOPE, ["rds", "secretsmanager"]).Statement, [
            {
                Sid: "AccountAdministersTheKey",
                Effect: "Allow",
                Principal: { AWS: "arn:aws-cn:iam::111122223333:root" },
                Action: "kms:*",
                Resource: "*",
            },
            {
                Sid: "UseThroughTheNamedServices",
                Effect: "Allow",
                Principal: { AWS: "arn:aws-cn:iam::111122223333:root" },
                Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:CreateGrant", "kms:DescribeKey"],
                Resource: "*",
                Condition: {
                    StringEquals: {
                        "kms:CallerAccount": "111122223333",
                        "kms:ViaService": ["rds.cn-north-1.amazonaws.com.cn", "secretsmanager.cn-north-1.amazonaws.com.cn"],
                    },
                },
            },
        ]);
        assert.throws(() => serviceKeyPolicy(SCOPE, []), /name the services that use the key/);
    });

    it("lets OpenSearch write only the streams of its own log groups, for its own domain", () => {
        assert.deepStrictEqual(openSearchLogsResourcePolicy(SCOPE, "ce-logs-production", ["arn:lg-a", "arn:lg-b"]).Statement, [
            {
                Sid: "OpenSearchWritesItsLogGroups",
                Effect: "Allow",
                Principal: { Service: "es.amazonaws.com.cn" },
                Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                Resource: ["arn:lg-a:*", "arn:lg-b:*"],
                Condition: {
                    StringEquals: { "aws:SourceAccount": "111122223333" },
                    ArnLike: { "aws:SourceArn": "arn:aws-cn:es:cn-north-1:111122223333:domain/ce-logs-production" },
                },
            },
        ]);
        assert.deepStrictEqual(
            OPENSEARCH_LOG_TYPES.map((t) => openSearchLogGroupName("d", t)),
            [
                "/aws/opensearch/domains/d/index-slow-logs",
                "/aws/opensearch/domains/d/search-slow-logs",
                "/aws/opensearch/domains/d/application-logs",
                "/aws/opensearch/domains/d/audit-logs",
            ],
        );
    });

    it("grants the cluster role the key operations EKS secrets encryption needs", () => {
        assert.deepStrictEqual(clusterEncryptionPolicy("arn:key").Statement, [
            { Effect: "Allow", Action: ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"], Resource: "arn:key" },
        ]);
    });

    it("lets only one service account with an STS-audience token assume an IRSA role", () => {
        const [statement] = irsaAssumeRolePolicy(
            "arn:oidc",
            "oidc.eks.us-east-1.amazonaws.com/id/ABC",
            "kube-system",
            "ebs-csi-controller-sa",
        ).Statement;
        assert.deepStrictEqual(statement, {
            Effect: "Allow",
            Principal: { Federated: "arn:oidc" },
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: {
                StringEquals: {
                    "oidc.eks.us-east-1.amazonaws.com/id/ABC:sub": "system:serviceaccount:kube-system:ebs-csi-controller-sa",
                    "oidc.eks.us-east-1.amazonaws.com/id/ABC:aud": "sts.amazonaws.com",
                },
            },
        });
    });
});
