// The Qinghai national stations compiled into the binary, so `rainfuse` needs
// no data files to run on them. Kept equal to io/data/qinghai_stations.csv (a test compares them).
#include "io/gauges/gauges.h"

namespace rf::io {

const char* builtin_qinghai_stations_csv() {
  return R"CSV(station_id,name,name_zh,class,lat,lon,elevation_m
51886,Mangya,茫崖,reference,38.3500,90.2167,2944.8
52602,Lenghu,冷湖,reference,38.8333,93.3833,2770.0
52633,Tuole,托勒,basic,38.8167,98.4167,3367.0
52645,Yeniugou,野牛沟,reference,38.4167,99.5833,3320.0
52657,Qilian,祁连,basic,38.1833,100.2500,2787.4
52707,Xiaozaohuo,小灶火,basic,36.6667,93.5167,2767.0
52713,Dachaidan,大柴旦,reference,37.8500,95.3667,3173.2
52737,Delingha,德令哈,basic,37.3667,97.3667,2981.5
52745,Tianjun,天峻,basic,37.3000,99.0333,3417.1
52754,Gangcha,刚察,reference,37.3333,100.1333,3301.5
52765,Menyuan,门源,basic,37.3833,101.6167,2850.0
52818,Golmud,格尔木,reference,36.4167,94.9000,2807.6
52825,Nuomuhong,诺木洪,reference,36.4333,96.4167,2790.4
52833,Wulan,乌兰,basic,36.9167,98.4833,2950.0
52836,Dulan,都兰,basic,36.3000,98.1000,3189.0
52842,Chaka,茶卡,reference,36.7833,99.0833,3087.6
52853,Haiyan,海晏,basic,36.9167,100.9833,3010.0
52855,Huangyuan,湟源,basic,36.6833,101.2333,2676.0
52856,Gonghe,共和,basic,36.2667,100.6167,2835.0
52862,Datong,大通,basic,37.0333,101.5500,2450.0
52863,Huzhu,互助,basic,36.8167,101.9500,2480.0
52866,Xining,西宁,basic,36.6167,101.7667,2295.2
52868,Guide,贵德,basic,36.0333,101.4333,2237.1
52869,Huangzhong,湟中,basic,36.5167,101.5667,2667.5
52874,Ledu,乐都,basic,36.4833,102.3833,1980.9
52875,Ping'an,平安,basic,36.5000,102.1000,2125.0
52876,Minhe,民和,reference,36.3167,102.8500,1813.9
52877,Hualong,化隆,basic,36.1000,102.2667,2834.7
52908,Wudaoliang,五道梁,basic,35.2167,93.0833,4612.2
52943,Xinghai,兴海,reference,35.5833,99.9833,3323.2
52955,Guinan,贵南,basic,35.5833,100.7500,3120.0
52957,Tongde,同德,basic,35.2667,100.6500,3148.1
52963,Jianzha,尖扎,basic,35.9333,102.0333,2085.7
52968,Zeku,泽库,basic,35.0333,101.4667,3662.8
52972,Xunhua,循化,basic,35.8333,102.5500,1870.3
52974,Tongren,同仁,basic,35.5167,102.0167,2491.4
56004,Tuotuohe,沱沱河,reference,34.2167,92.4333,4533.1
56016,Zhiduo,治多,basic,33.8500,95.6000,4179.1
56018,Zaduo,杂多,reference,32.9000,95.3000,4066.4
56021,Qumalai,曲麻莱,basic,34.5500,95.4833,4175.0
56029,Yushu,玉树,basic,33.0167,97.0167,3681.2
56033,Maduo,玛多,reference,34.9167,98.2167,4272.3
56034,Qingshuihe,清水河,basic,33.8000,97.1333,4415.4
56043,Maqin,玛沁,basic,34.4667,100.2500,3719.0
56045,Gande,甘德,basic,33.9667,99.9000,4050.0
56046,Dari,达日,reference,33.7500,99.6500,3967.5
56065,Henan,河南,basic,34.2000,101.5667,3500.0
56067,Jiuzhi,久治,reference,33.4333,101.4833,3628.5
56125,Nangqian,囊谦,reference,32.2000,96.4833,3643.7
56151,Banma,班玛,basic,32.9333,100.7500,3530.0
)CSV";
}
}  // namespace rf::io
