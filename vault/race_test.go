//go:build race

package vault

// raceDetector is true in builds with -race, where the instrumented HMAC loop runs about ten
// times slower.
const raceDetector = true
