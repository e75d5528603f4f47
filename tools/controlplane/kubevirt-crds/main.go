// Prints KubeVirt's own CustomResourceDefinitions for VirtualMachine and VirtualMachineInstance, as
// virt-operator generates them, so the local control plane validates VMs as a KubeVirt cluster does.
package main

import (
	"fmt"
	"os"

	extv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"kubevirt.io/kubevirt/pkg/virt-operator/resource/generate/components"
	"sigs.k8s.io/yaml"
)

func main() {
	generators := []func() (*extv1.CustomResourceDefinition, error){
		components.NewVirtualMachineCrd,
		components.NewVirtualMachineInstanceCrd,
	}
	for _, generate := range generators {
		crd, err := generate()
		if err != nil {
			fmt.Fprintln(os.Stderr, "kubevirt-crds:", err)
			os.Exit(1)
		}
		crd.TypeMeta.APIVersion = "apiextensions.k8s.io/v1"
		crd.TypeMeta.Kind = "CustomResourceDefinition"
		out, err := yaml.Marshal(crd)
		if err != nil {
			fmt.Fprintln(os.Stderr, "kubevirt-crds:", err)
			os.Exit(1)
		}
		fmt.Printf("---\n%s", out)
	}
}
