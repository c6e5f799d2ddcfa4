package demo

import (
	"fmt"
	"math/rand/v2"
	"time"

	"gridpay/internal/billing"
	"gridpay/internal/store"
)

// tariff is a demo tariff with its database id.
type tariff struct {
	id    int64
	class billing.Class
	billing.Tariff
}

// Demo tariffs (执行电价表). Prices in 0.0001 yuan; the residential monthly tiers are docs/domain.md's.
var tariffs = []tariff{
	{1, billing.Residential, billing.Tariff{Code: "R-TIER-M", Name: "居民生活阶梯电价(月度)", Kind: billing.Tiered, Mode: billing.Monthly,
		Tiers: []billing.Tier{{UpTo: 160, Price: 5100}, {UpTo: 240, Price: 5600}, {Price: 8100}}}},
	{2, billing.Residential, billing.Tariff{Code: "R-TIER-A", Name: "居民生活阶梯电价(年度)", Kind: billing.Tiered, Mode: billing.Annual,
		Tiers: []billing.Tier{{UpTo: 2160, Price: 5100}, {UpTo: 4200, Price: 5600}, {Price: 8100}}}},
	{3, billing.Commercial, billing.Tariff{Code: "C-FLAT", Name: "一般工商业单一制", Kind: billing.FlatRate, Flat: 6500}},
	{4, billing.Commercial, billing.Tariff{Code: "C-TOU", Name: "一般工商业分时电价", Kind: billing.TimeOfUse,
		Registers: map[billing.Register]billing.Price{billing.Peak: 10500, billing.Flat: 6500, billing.Valley: 3200}}},
	{5, billing.LargeIndustry, billing.Tariff{Code: "I-TOU", Name: "大工业两部制分时电价", Kind: billing.TimeOfUse,
		Registers:     map[billing.Register]billing.Price{billing.Peak: 9500, billing.Flat: 6000, billing.Valley: 3000},
		CapacityPrice: 250000}},
	{6, billing.Agricultural, billing.Tariff{Code: "A-FLAT", Name: "农业生产电价", Kind: billing.FlatRate, Flat: 4800}},
}

// county is the demo county's grid: substations, lines, supply stations and transformer areas.
type county struct {
	stations []station
	areas    [][]int64 // area ids per station
}

// addGrid writes the base data (substations, lines, stations, areas, tariffs) and returns the county.
func addGrid(l *store.Loader, r *rand.Rand, today time.Time) county {
	subs := []struct {
		short, name string
		kv          int
	}{{"城关", "城关110kV变电站", 110}, {"河西", "河西35kV变电站", 35}, {"青山", "青山35kV变电站", 35}}
	var lineIDs [][]int64
	lineID := int64(0)
	for i, s := range subs {
		l.Add("substations", int64(i+1), fmt.Sprintf("BD%02d", i+1), s.name, s.kv)
		var ids []int64
		for j, dir := range []string{"东", "西", "南", "北"}[:2+i%2] {
			lineID++
			l.Add("lines", lineID, fmt.Sprintf("XL%02d%02d", i+1, j+1), fmt.Sprintf("%s变10kV%s线", s.short, dir), int64(i+1), 10)
			ids = append(ids, lineID)
		}
		lineIDs = append(lineIDs, ids)
	}
	for _, t := range tariffs {
		l.Add("tariffs", t.id, t.Code, t.Name, string(t.class), string(t.Kind), string(t.Mode), int64(t.Flat), int64(t.CapacityPrice), today)
		seq := 0
		for i, tier := range t.Tiers {
			seq++
			l.Add("tariff_prices", t.id, fmt.Sprintf("tier%d", i+1), seq, tier.UpTo, int64(tier.Price))
		}
		for _, reg := range []billing.Register{billing.Sharp, billing.Peak, billing.Flat, billing.Valley} {
			if p, ok := t.Registers[reg]; ok {
				seq++
				l.Add("tariff_prices", t.id, string(reg), seq, int64(0), int64(p))
			}
		}
	}
	c := county{}
	villages := r.Perm(len(villageNames))
	areaID := int64(0)
	for i, town := range stationTowns {
		st := station{code: fmt.Sprintf("GDS%02d", i+1), name: town + "供电所", town: town}
		for j := 0; j < 4; j++ {
			st.villages = append(st.villages, villageNames[villages[(i*4+j)%len(villages)]]+"村")
		}
		l.Add("supply_stations", int64(i+1), st.code, st.name, town, fmt.Sprintf("0791-86%02d%04d", i+1, r.IntN(10000)))
		lines := lineIDs[i%len(lineIDs)]
		var areas []int64
		for j, v := range st.villages {
			for k := 1; k <= 2; k++ {
				areaID++
				kva := []int64{200, 315, 400, 630}[r.IntN(4)]
				l.Add("transformer_areas", areaID, fmt.Sprintf("TQ%02d%02d%d", i+1, j+1, k), fmt.Sprintf("%s%s%d号台区", town, v, k),
					int64(i+1), lines[(j+k)%len(lines)], kva, kva*17/10, kva*12)
				areas = append(areas, areaID)
			}
		}
		c.stations = append(c.stations, st)
		c.areas = append(c.areas, areas)
	}
	return c
}
