package fake

import "fmt"

// SetPermissions changes what a registered key may do, as the account owner would on the
// exchange's API management page while QuantDeck runs: the next apiRestrictions and account
// answers report the new permissions. Tests use it to turn withdrawals on for a key that was
// stored trade-only.
func (s *Server) SetPermissions(apiKey string, perms Permissions) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.accounts[apiKey]
	if !ok {
		return fmt.Errorf("fake: unknown API key")
	}
	a.perms = perms
	return nil
}
