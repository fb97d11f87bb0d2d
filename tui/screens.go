package tui

import (
	"github.com/quantdeck/quantdeck/tui/botdetail"
	"github.com/quantdeck/quantdeck/tui/botform"
	"github.com/quantdeck/quantdeck/tui/dashboard"
	"github.com/quantdeck/quantdeck/tui/orders"
	"github.com/quantdeck/quantdeck/tui/portfolio"
	"github.com/quantdeck/quantdeck/tui/ticket"

	"github.com/quantdeck/quantdeck/tui/unlock"

	"github.com/quantdeck/quantdeck/tui/credentials"

	helpscreen "github.com/quantdeck/quantdeck/tui/help"

	"github.com/quantdeck/quantdeck/tui/common"
)

// screens registers every component screen: adding a screen to the cockpit is one line here.
func screens() map[common.ID]factory {
	return map[common.ID]factory{
		common.ScreenHelp:        helpscreen.New,
		common.ScreenCredentials: credentials.New,
		common.ScreenUnlock:      unlock.New,
		common.ScreenBotForm:     botform.New,
		common.ScreenTicket:      ticket.New,
		common.ScreenBotDetail:   botdetail.New,
		common.ScreenDashboard:   dashboard.New,
		common.ScreenPortfolio:   portfolio.New,
		common.ScreenOrders:      orders.New,
	}
}
