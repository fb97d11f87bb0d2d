package ticket

import (
	"errors"
	"fmt"
	"strings"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/tui/common"
)

// refusal says why the symbol's rules refuse req in the ticket's words: the rule, the typed
// value and the limit, formatted like the rest of the cockpit (thousands separators, the tick's
// and the step's decimals, the quote to cents). ref is the price a market order is valued at.
// The rules' own message (err) is the fallback, without its internal suffix.
func (s *Screen) refusal(req exchange.OrderRequest, ref decimal.Decimal, err error) error {
	r := s.rules
	sym := r.Symbol
	step, minQty, maxQty := r.StepSize, r.MinQty, r.MaxQty
	if req.Type == exchange.Market {
		step = orDec(r.MarketStepSize, step)
		minQty, maxQty = orDec(r.MarketMinQty, minQty), orDec(r.MarketMaxQty, maxQty)
	}
	q := r.RoundQty(req.Quantity, req.Type)
	price := ref
	if req.Type == exchange.Limit {
		price = req.Price
		switch {
		case r.MinPrice.IsPos() && price.Cmp(r.MinPrice) < 0:
			return fmt.Errorf("a price of %s is below %s's lowest price of %s", common.FmtDec(price), sym, common.FmtDec(s.price(r.MinPrice)))
		case r.MaxPrice.IsPos() && price.Cmp(r.MaxPrice) > 0:
			return fmt.Errorf("a price of %s is above %s's highest price of %s", common.FmtDec(price), sym, common.FmtDec(s.price(r.MaxPrice)))
		}
	}
	switch {
	case req.Quantity.IsPos() && !q.IsPos():
		return fmt.Errorf("a quantity of %s is less than %s's step of %s %s", common.FmtDec(req.Quantity), sym, common.FmtDec(common.Qty(step)), r.Base)
	case minQty.IsPos() && q.IsPos() && q.Cmp(minQty) < 0:
		return fmt.Errorf("a quantity of %s %s is below %s's minimum of %s", common.FmtDec(s.qty(q)), r.Base, sym, common.FmtDec(s.qty(minQty)))
	case maxQty.IsPos() && q.Cmp(maxQty) > 0:
		return fmt.Errorf("a quantity of %s %s is above %s's maximum of %s", common.FmtDec(s.qty(q)), r.Base, sym, common.FmtDec(s.qty(maxQty)))
	}
	if v, e := r.RoundPrice(price, req.Side).Mul(q); e == nil && v.IsPos() {
		market := req.Type == exchange.Market
		switch {
		case r.MinNotional.IsPos() && (!market || r.ApplyMinToMarket) && v.Cmp(r.MinNotional) < 0:
			return fmt.Errorf("this order is worth %s %s, below %s's minimum order value of %s %s",
				common.FmtDec(s.quote(v)), r.Quote, sym, common.FmtDec(s.quote(r.MinNotional)), r.Quote)
		case r.MaxNotional.IsPos() && (!market || r.ApplyMaxToMarket) && v.Cmp(r.MaxNotional) > 0:
			return fmt.Errorf("this order is worth %s %s, above %s's maximum order value of %s %s",
				common.FmtDec(s.quote(v)), r.Quote, sym, common.FmtDec(s.quote(r.MaxNotional)), r.Quote)
		}
	}
	if errors.Is(err, exchange.ErrFilter) {
		return errors.New(strings.TrimSuffix(err.Error(), ": "+exchange.ErrFilter.Error()))
	}
	return err
}

func orDec(v, def decimal.Decimal) decimal.Decimal {
	if v.IsZero() {
		return def
	}
	return v
}
