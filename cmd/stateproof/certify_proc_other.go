//go:build !unix

package main

import (
	"os"
	"os/exec"
)

// ownProcessGroup does nothing where process groups do not exist.
func ownProcessGroup(*exec.Cmd) {}

// interruptGroup interrupts cmd's process where process groups do not exist.
func interruptGroup(cmd *exec.Cmd) error { return cmd.Process.Signal(os.Interrupt) }

// killGroup kills p where process groups do not exist.
func killGroup(p *os.Process) { _ = p.Kill() }
