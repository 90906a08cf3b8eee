"""The product's own rule (the pack's k8s-tls-verification, policies/kubernetesSecurity.ts tlsVerificationOff), for
the scanner tier: no container turns TLS certificate verification off (curl --insecure / -k, wget
--no-check-certificate, NODE_TLS_REJECT_UNAUTHORIZED=0 ...) in its command, args or environment, where a
credential would go to whoever answers."""
import re
from typing import Any, Dict, List

from checkov.common.models.enums import CheckResult
from checkov.kubernetes.checks.resource.base_container_check import BaseK8sContainerCheck

# The same patterns as tlsVerificationOff; curl's -k counts only where curl is named (`sort -k 2` is not curl).
PATTERNS = [
    re.compile(
        r"(?<![\w-])(--insecure|--proxy-insecure|--no-check-certificate|--insecure-skip-tls-verify(=true)?"
        r"|--tls-verify=false|--kubelet-insecure-tls)(?![\w=-])"
    ),
    re.compile(r"\b(NODE_TLS_REJECT_UNAUTHORIZED|PYTHONHTTPSVERIFY)=[\"']?0(?!\w)"),
    re.compile(r"\bGIT_SSL_NO_VERIFY=[\"']?(1|true)(?!\w)", re.IGNORECASE),
    re.compile(r"\bhttp\.sslVerify[= ]+[\"']?false(?!\w)", re.IGNORECASE),
]
CURL_K = re.compile(r"(?<![\w-])-k(?![\w=-])")


def turns_verification_off(text: str) -> bool:
    patterns: List[re.Pattern] = PATTERNS + ([CURL_K] if re.search("curl", text, re.IGNORECASE) else [])
    return any(p.search(text) for p in patterns)


class CurlTlsVerification(BaseK8sContainerCheck):
    def __init__(self) -> None:
        super().__init__(name="Containers keep TLS certificate verification on (no curl --insecure)", id="CKV_CE_K8S_1")

    def scan_container_conf(self, metadata: Dict[str, Any], conf: Dict[str, Any]) -> CheckResult:
        self.evaluated_container_keys = ["command", "args", "env"]
        texts = [" ".join(str(v) for v in conf.get("command") or []), " ".join(str(v) for v in conf.get("args") or [])]
        texts += [f"{e.get('name', '')}={e.get('value', '')}" for e in conf.get("env") or [] if isinstance(e, dict)]
        return CheckResult.FAILED if any(turns_verification_off(t) for t in texts) else CheckResult.PASSED


check = CurlTlsVerification()
