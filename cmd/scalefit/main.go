// Command scalefit fits neural scaling laws to training runs and plans compute-optimal
// allocations. See README.md, or run `scalefit --help`.
package main

import "os"

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }
