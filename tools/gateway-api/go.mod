// Pins the Gateway API release whose CRDs (config/crd/standard) the conformance tier installs on its
// kube-apiserver (test/conformance/gatewayApiCrds.ts). scripts/apiserver-setup.sh downloads the module;
// nothing of it is built or copied into the repository.
module claude-enhancer/tools/gateway-api

go 1.24.0

require sigs.k8s.io/gateway-api v1.4.1
