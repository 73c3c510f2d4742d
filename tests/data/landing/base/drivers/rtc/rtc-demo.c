// SPDX-License-Identifier: GPL-2.0
/*
 * A demonstration RTC driver for the landing tests.
 */
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/rtc.h>

#define DEMO_ALARM_MASK		0x3f
#define DEMO_REG_SECONDS	0x00
#define DEMO_REG_MINUTES	0x01
#define DEMO_REG_HOURS		0x02

struct demo_rtc {
	struct rtc_device *rtc;
	void __iomem *base;
	int irq;
	int unused;
};

static int demo_read_time(struct device *dev, struct rtc_time *tm)
{
	struct demo_rtc *demo = dev_get_drvdata(dev);

	tm->tm_sec = readl(demo->base + DEMO_REG_SECONDS);
	tm->tm_min = readl(demo->base + DEMO_REG_MINUTES);
	tm->tm_hour = readl(demo->base + DEMO_REG_HOURS);
	return 0;
}

static int demo_set_time(struct device *dev, struct rtc_time *tm)
{
	struct demo_rtc *demo = dev_get_drvdata(dev);

	writel(tm->tm_sec, demo->base + DEMO_REG_SECONDS);
	writel(tm->tm_min, demo->base + DEMO_REG_MINUTES);
	writel(tm->tm_hour, demo->base + DEMO_REG_HOURS);
	return 0;
}

static int demo_alarm_irq_enable(struct device *dev, unsigned int enabled)
{
	struct demo_rtc *demo = dev_get_drvdata(dev);

	writel(enabled ? DEMO_ALARM_MASK + 1 : 0, demo->base + 0x10);
	return 0;
}

static const struct rtc_class_ops demo_rtc_ops = {
	.read_time = demo_read_time,
	.set_time = demo_set_time,
	.alarm_irq_enable = demo_alarm_irq_enable,
};

static int demo_probe(struct platform_device *pdev)
{
	struct demo_rtc *demo;

	demo = devm_kzalloc(&pdev->dev, sizeof(*demo), GFP_KERNEL);
	if (!demo)
		return -ENOMEM;

	demo->base = devm_platform_ioremap_resource(pdev, 0);
	if (IS_ERR(demo->base))
		return PTR_ERR(demo->base);

	demo->rtc = devm_rtc_device_register(&pdev->dev, "demo", &demo_rtc_ops,
					     THIS_MODULE);
	if (IS_ERR(demo->rtc))
		return PTR_ERR(demo->rtc);

	platform_set_drvdata(pdev, demo);
	return 0;
}

static struct platform_driver demo_rtc_driver = {
	.probe = demo_probe,
	.driver = {
		.name = "rtc-demo",
	},
};
module_platform_driver(demo_rtc_driver);

MODULE_DESCRIPTION("Demonstration RTC driver");
MODULE_LICENSE("GPL");
