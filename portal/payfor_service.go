package portal

import (
	"context"

	"gridpay/internal/billing"
	"gridpay/internal/pii"
)

// PayForView is what anyone paying for an account sees: enough to recognise it, nothing more.
type PayForView struct {
	No         string        `json:"account_no"`
	Name       string        `json:"name"`
	Address    string        `json:"address"`
	Class      billing.Class `json:"class"`
	ClassLabel string        `json:"class_label"`
	AmountDue  billing.Money `json:"amount_due_fen"`
	AsOf       Date          `json:"as_of"`
}

// PayFor looks an account up for paying it without binding (代缴).
func (s *Service) PayFor(ctx context.Context, accountNo string) (PayForView, error) {
	a, err := s.core.AccountByNumber(ctx, accountNo)
	if err != nil {
		return PayForView{}, err
	}
	today := s.today()
	arr, err := s.core.Arrears(ctx, a.ID, today)
	if err != nil {
		return PayForView{}, err
	}
	return PayForView{No: a.No, Name: pii.Name(a.Name), Address: pii.Address(a.Address), Class: a.Class, ClassLabel: a.Class.Label(),
		AmountDue: arr.Total, AsOf: Date(today)}, nil
}
