// Package all imports every fault package, so that each registers its fault kinds (see
// faults.Register). It is the one list of faults: the CLI and the suites import it, and adding a
// fault to the tree adds one line here.
package all

import (
	_ "github.com/stateproof/stateproof/faults/drain"
	_ "github.com/stateproof/stateproof/faults/nodefailure"
	_ "github.com/stateproof/stateproof/faults/poddelete"
	_ "github.com/stateproof/stateproof/faults/processkill"
)
