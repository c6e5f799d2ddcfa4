package demo

import (
	"fmt"
	"math/rand/v2"
)

// County is the demo county's name; the bureau is its power supply company.
const County = "云溪县"

// surnames are weighted roughly by frequency: the common ones appear more than once.
var surnames = []rune("王王王李李李张张张刘刘陈陈杨杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")

var givenChars = []rune("建国军华明伟秀英丽芳敏静强磊洋艳勇杰娟涛超霞平刚桂兰文辉玉珍红梅志春燕德福海生荣金凤玲云林成斌宏新丹翠海峰淑凤长友庆")

var (
	shopKinds     = []string{"超市", "五金店", "饭店", "理发店", "农资店", "小卖部", "副食店", "电器维修部", "诊所", "茶馆", "农家乐", "粮油店", "建材店", "快递站"}
	factoryKinds  = []string{"水泥有限公司", "建材有限公司", "食品加工厂", "纺织有限公司", "机械制造有限公司", "石料厂", "茶叶加工厂", "木业有限公司"}
	farmKinds     = []string{"灌溉泵站", "养殖场", "种植专业合作社", "蔬菜大棚", "茶园", "鱼塘增氧站"}
	countyStreets = []string{"解放路", "人民路", "建设路", "中山路", "新华街", "文化路", "滨河路", "迎宾大道"}
	villageNames  = []string{"张家", "李家湾", "王庄", "杨柳", "石门", "大坪", "新田", "红旗", "上河", "下河", "桃园", "枫树",
		"黄土", "周家", "马家岭", "长岭", "龙潭", "白马", "青松", "高桥", "竹林", "柏树", "三合", "五里", "双河", "金竹",
		"田坝", "凉水", "岩口", "花园", "梨树", "东山", "西坪", "南岭", "北沟", "和平", "团结", "先锋", "光明", "永兴"}
)

// station is a supply station (供电所) and the town it serves.
type station struct {
	code, name, town string
	villages         []string
}

var stationTowns = []string{"城关镇", "河西镇", "青山镇", "柳林镇", "石桥镇", "白沙镇", "高岭乡", "龙泉镇", "东湖乡", "新塘乡"}

func personName(r *rand.Rand) string {
	name := []rune{surnames[r.IntN(len(surnames))]}
	for i := 0; i < 1+r.IntN(2); i++ {
		name = append(name, givenChars[r.IntN(len(givenChars))])
	}
	return string(name)
}

// mobile returns a plausible Chinese mobile number that never collides with the demo phones.
func mobile(r *rand.Rand) string {
	prefixes := []string{"130", "131", "132", "133", "135", "136", "137", "139", "150", "151", "152", "155", "157", "158", "159", "166", "177", "180", "181", "182", "183", "186", "187", "188", "189", "191", "198", "199"}
	return fmt.Sprintf("%s%08d", prefixes[r.IntN(len(prefixes))], r.IntN(100000000))
}
