//go:build !race

package chinchilla

const raceEnabled = false
