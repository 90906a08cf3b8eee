"""The product's own rule (policies' k8s-tls-verification), for the scanner tier: no container turns off
TLS certificate verification (curl --insecure / -k, wget --no-check-certificate) in its command, args or
environment, where a credential would go to whoever answers."""
import re
from typing import Any, Dict

from checkov.common.models.enums import CheckResult
from checkov.kubernetes.checks.resource.base_container_check import BaseK8sContainerCheck

INSECURE = re.compile(r"(^|\s)(--insecure|-k|--no-check-certificate|--proxy-insecure)(\s|$)")


class CurlTlsVerification(BaseK8sContainerCheck):
    def __init__(self) -> None:
        super().__init__(name="Containers keep TLS certificate verification on (no curl --insecure)", id="CKV_CE_K8S_1")

    def scan_container_conf(self, metadata: Dict[str, Any], conf: Dict[str, Any]) -> CheckResult:
        self.evaluated_container_keys = ["command", "args", "env"]
        texts = [str(v) for v in (conf.get("command") or []) + (conf.get("args") or [])]
        texts += [str(e.get("value", "")) for e in conf.get("env") or [] if isinstance(e, dict)]
        return CheckResult.FAILED if any(INSECURE.search(t) for t in texts) else CheckResult.PASSED


check = CurlTlsVerification()
