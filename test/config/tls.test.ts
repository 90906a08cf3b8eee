import * as assert from "assert";
import { parsePlatformConfig } from "../../config";
import { readStackSettings } from "../../config/stackFile";
import { LETS_ENCRYPT_PRODUCTION, certManagerInstalled } from "../../config/tls";
import { problemsOf } from "./problems";

/** The problems of a shipped stack's settings after `overrides` edits a copy of them. */
function issuesOf(stack: "staging" | "production" | "local", overrides: (settings: Record<string, any>) => void): string[] {
    const settings = structuredClone(readStackSettings(stack)) as Record<string, any>;
    overrides(settings);
    return problemsOf(settings);
}

describe("tls and dns config", () => {
    it("the AWS stacks ship a zone and an ACME account (Let's Encrypt production, the pinned cert-manager chart)", () => {
        for (const stack of ["staging", "production"] as const) {
            const config = parsePlatformConfig(readStackSettings(stack));
            assert.strictEqual(config.tls?.acmeServer, LETS_ENCRYPT_PRODUCTION, stack);
            assert.strictEqual(config.certManager.chartVersion, "v1.18.2", stack);
            assert.strictEqual(config.dns?.recordTtlSeconds, 300, stack);
            assert.ok(config.app.ingress.host.endsWith(`.${config.dns?.zoneName}`), stack);
        }
    });

    it("local has neither and needs neither", () => {
        const config = parsePlatformConfig(readStackSettings("local"));
        assert.strictEqual(config.tls, undefined);
        assert.strictEqual(config.dns, undefined);
    });

    it("cert-manager runs where it issues something: the host's certificate (tls) or the in-cluster OpenSearch's", () => {
        const installed = (stack: "staging" | "production" | "local", edit: (s: Record<string, any>) => void = () => {}) => {
            const settings = structuredClone(readStackSettings(stack)) as Record<string, any>;
            edit(settings);
            return certManagerInstalled(parsePlatformConfig(settings));
        };
        assert.deepStrictEqual([installed("staging"), installed("production"), installed("local")], [true, true, true]);
        assert.strictEqual(
            installed("local", (s) => (s.logging = { enabled: false })),
            false,
        );
    });

    it("rejects malformed keys with the key path, the value and the expectation", () => {
        assert.deepStrictEqual(
            issuesOf("production", (s) => {
                s.dns.hostedZoneId = "zone-1";
                s.dns.zoneName = "Example.com.";
                s.tls.acmeEmail = "platform";
                s.tls.acmeServer = "http://acme.example.com/directory";
                s.certManager = { chartVersion: "1.18.2" };
            }),
            [
                'claude-enhancer:dns.zoneName: got "Example.com."; expected a DNS zone name such as example.com (lowercase, no trailing dot)',
                'claude-enhancer:dns.hostedZoneId: got "zone-1"; expected a Route 53 hosted zone ID such as Z0123456789ABCDEFGHIJ',
                'claude-enhancer:tls.acmeEmail: got "platform"; expected an e-mail address for the ACME account',
                'claude-enhancer:tls.acmeServer: got "http://acme.example.com/directory"; expected an https URL of an ACME directory such as https://acme-v02.api.letsencrypt.org/directory',
                'claude-enhancer:certManager.chartVersion: got "1.18.2"; expected a pinned cert-manager chart version such as "v1.18.2" (with its "v" prefix, no ranges)',
            ],
        );
    });

    it("tls needs dns: DNS-01 challenges are answered in the zone", () => {
        assert.deepStrictEqual(
            issuesOf("production", (s) => delete s.dns),
            [
                "claude-enhancer:dns: got nothing (the key is missing); expected an object {zoneName, hostedZoneId} (tls solves DNS-01 challenges in that zone)",
            ],
        );
    });

    it("the host must lie below the zone, not at its apex", () => {
        const expected = [
            'claude-enhancer:app.ingress.host: got "example.com"; expected a name below dns.zoneName example.com (not the zone apex, which cannot hold a CNAME)',
        ];
        assert.deepStrictEqual(
            issuesOf("production", (s) => (s.app.ingress.host = "example.com")),
            expected,
        );
        assert.deepStrictEqual(
            issuesOf("production", (s) => (s.app.ingress.host = "claude-enhancer.example.org")),
            [expected[0].replace('"example.com"', '"claude-enhancer.example.org"')],
        );
    });

    it("the DNS record needs the router behind a LoadBalancer Service", () => {
        assert.deepStrictEqual(
            issuesOf("production", (s) => (s.mesh.istio.gatewayServiceType = "NodePort")),
            [
                'claude-enhancer:mesh.istio.gatewayServiceType: got "NodePort"; expected "LoadBalancer" (the DNS record points at the router\'s load balancer)',
            ],
        );
    });

    it("outside AWS, tls and dns are refused (no Route 53, no IRSA)", () => {
        const production = readStackSettings("production") as Record<string, any>;
        assert.deepStrictEqual(
            issuesOf("local", (s) => {
                s.dns = production.dns;
                s.tls = production.tls;
                s.app.ingress.host = "claude-enhancer.example.com";
                s.mesh = { ...s.mesh, ingressNginx: { serviceType: "LoadBalancer" } };
            }),
            [
                'claude-enhancer:dns: got {"zoneName":"example.com","hostedZoneId":"Z0123456789PRODUCTEX"}; expected no value (Route 53 records need cluster.mode "eks")',
                'claude-enhancer:tls: got {"acmeEmail":"platform-team@example.com"}; expected no value (cert-manager with Route 53 needs cluster.mode "eks")',
            ],
        );
    });

    it("with the Gateway API router, tls and dns are refused: the platform team's Gateway is the public entry", () => {
        assert.deepStrictEqual(
            issuesOf("production", (s) => {
                s.mesh = { router: "gateway-api", gatewayApi: { gatewayNamespace: "gateways", gatewayName: "public" } };
            }),
            [
                'claude-enhancer:dns: got {"zoneName":"example.com","hostedZoneId":"Z0123456789PRODUCTEX"}; expected no value (with mesh.router "gateway-api" the public entry is the platform team\'s Gateway, and so are its certificate and DNS record)',
                'claude-enhancer:tls: got {"acmeEmail":"platform-team@example.com"}; expected no value (with mesh.router "gateway-api" the public entry is the platform team\'s Gateway, and so are its certificate and DNS record)',
            ],
        );
    });
});
