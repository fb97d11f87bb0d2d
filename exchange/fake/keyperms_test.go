package fake

import (
	"net/http"
	"testing"
)

func TestSetPermissionsChangesTheAnswer(t *testing.T) {
	s := start(t, Options{})
	c := newClient(t, s)
	before := c.signed(http.MethodGet, "/sapi/v1/account/apiRestrictions", nil).json(t)
	if before["enableWithdrawals"] != false || before["enableSpotAndMarginTrading"] != true {
		t.Fatalf("before: %v", before)
	}
	if err := s.SetPermissions(testKey, Permissions{Reading: true, Withdraw: true}); err != nil {
		t.Fatal(err)
	}
	after := c.signed(http.MethodGet, "/sapi/v1/account/apiRestrictions", nil).json(t)
	if after["enableWithdrawals"] != true || after["enableSpotAndMarginTrading"] != false {
		t.Fatalf("after: %v", after)
	}
	if err := s.SetPermissions("nobody", TradeOnly()); err == nil {
		t.Fatal("an unknown key was accepted")
	}
}
