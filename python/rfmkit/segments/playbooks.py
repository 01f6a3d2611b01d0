"""What to do with each segment: playbooks written from the source documents.

The documents ask for: exclusive offers, member benefits, a dedicated contact and fast handling
of feedback for the most valuable (000, 003); coupons and first-purchase discounts, then product
recommendations and a request for feedback for new customers (000); reactivation mail with a
special discount and a question about why they stopped for lapsed customers who spent well
(000, 003: win-back offers); routine promotions through broad channels for ordinary customers
(000); response and conversion rates per segment (001), A/B tests of the strategies (003).
Each segment of a built-in scheme points to one playbook and has a description of its own.
"""

from __future__ import annotations

CHANNELS = ("email", "sms", "phone", "social", "in_app", "ads")

# playbook -> language -> fields. {label} in a message is the customer's segment label.
PLAYBOOKS: dict[str, dict[str, dict]] = {
    "best": {
        "en": {
            "goal": "Keep them delighted and buying; make them advocates",
            "actions": ["Assign a dedicated service contact with priority response",
                        "Send exclusive offers and early access to new products",
                        "Invite them to the membership tier and to a referral programme"],
            "channels": ["phone", "email", "in_app"],
            "cadence": "Personal call every quarter; exclusive email monthly",
            "offer": "Exclusive member benefits, not discounts",
            "message": "Thank you for being one of our most valued customers. Your dedicated "
                       "advisor is here for anything you need, and you get first access to our "
                       "new collection this week.",
            "kpi": "Retention rate and revenue per customer",
        },
        "zh": {
            "goal": "保持满意度与购买频率,让他们成为口碑传播者",
            "actions": ["指定专属客服,优先响应其需求和反馈", "推送专属优惠与新品优先体验",
                        "邀请加入会员权益计划与推荐计划"],
            "channels": ["phone", "email", "in_app"],
            "cadence": "每季度一次电话回访;每月一次专属邮件",
            "offer": "专属会员福利,而非打折",
            "message": "感谢您一直以来的支持,您是我们最重要的客户之一。您的专属顾问随时为您服务,"
                       "本周新品您可优先选购。",
            "kpi": "客户留存率与客均收入",
        },
    },
    "loyal": {
        "en": {
            "goal": "Deepen loyalty and raise the order value",
            "actions": ["Reward repeat purchases with loyalty points",
                        "Recommend complementary products from their history",
                        "Ask for reviews and referrals"],
            "channels": ["email", "in_app"],
            "cadence": "Every two to three weeks",
            "offer": "Points multiplier or a gift with the next order",
            "message": "Thanks for shopping with us so often! Your next order earns double points, "
                       "and here are a few picks we think you will like.",
            "kpi": "Average order value and repeat-purchase rate",
        },
        "zh": {
            "goal": "加深忠诚度,提高客单价",
            "actions": ["以积分奖励重复购买", "根据购买记录推荐关联商品", "邀请评价与推荐好友"],
            "channels": ["email", "in_app"],
            "cadence": "每两到三周一次",
            "offer": "积分加倍或下单赠礼",
            "message": "感谢您的长期支持!您下一笔订单可获双倍积分,我们也为您挑选了几款可能喜欢的商品。",
            "kpi": "客单价与复购率",
        },
    },
    "potential": {
        "en": {
            "goal": "Turn promising customers into regulars",
            "actions": ["Recommend products based on their first purchases",
                        "Offer a membership or subscription trial",
                        "Follow up after delivery to ask how it went"],
            "channels": ["email", "in_app", "sms"],
            "cadence": "Weekly for the first month, then every two weeks",
            "offer": "Discount on the second category they try",
            "message": "We hope you are enjoying your purchase! As a thank-you, here is a discount "
                       "on your next order, with a few suggestions picked for you.",
            "kpi": "Second-purchase rate within 60 days",
        },
        "zh": {
            "goal": "把有潜力的客户培养为常客",
            "actions": ["根据已购商品推荐产品", "提供会员或订阅试用", "收货后回访了解体验"],
            "channels": ["email", "in_app", "sms"],
            "cadence": "首月每周一次,之后每两周一次",
            "offer": "尝试新品类享折扣",
            "message": "希望您喜欢这次购买的商品!为表感谢,送您一张下次购物的优惠券,并附上为您挑选的推荐。",
            "kpi": "60天内二次购买率",
        },
    },
    "new": {
        "en": {
            "goal": "Win the second purchase",
            "actions": ["Send a welcome series with a first-purchase thank-you coupon",
                        "Recommend products that go with the first order",
                        "Collect feedback on the first purchase"],
            "channels": ["email", "sms", "social"],
            "cadence": "Welcome on day 1, follow-ups on days 7 and 21",
            "offer": "Coupon for the second order, valid 30 days",
            "message": "Welcome, and thank you for your first order! Here is a coupon for your next "
                       "purchase. How did we do? Your feedback helps us improve.",
            "kpi": "Second-purchase rate and coupon redemption",
        },
        "zh": {
            "goal": "促成第二次购买",
            "actions": ["发送欢迎系列邮件并附首单感谢优惠券", "推荐与首单搭配的商品", "收集首次购买后的反馈"],
            "channels": ["email", "sms", "social"],
            "cadence": "第1天欢迎,第7天和第21天跟进",
            "offer": "二次购买优惠券,30天有效",
            "message": "欢迎您,感谢您的首次购买!送您一张下次可用的优惠券。您对这次购物满意吗?您的反馈能帮助我们做得更好。",
            "kpi": "二次购买率与优惠券核销率",
        },
    },
    "upsell": {
        "en": {
            "goal": "Raise the spend of frequent small-basket customers",
            "actions": ["Suggest bundles and premium versions of what they buy",
                        "Offer free shipping above a basket threshold",
                        "Show personalised recommendations in the app"],
            "channels": ["in_app", "email"],
            "cadence": "With each visit; email every two weeks",
            "offer": "Bundle price or a spend-and-save threshold",
            "message": "You shop with us often, thank you! Add one more item to reach free shipping, "
                       "or try the bundle that saves you more.",
            "kpi": "Average order value",
        },
        "zh": {
            "goal": "提升高频低消费客户的客单价",
            "actions": ["推荐组合套装与升级款", "满额包邮", "在应用内展示个性化推荐"],
            "channels": ["in_app", "email"],
            "cadence": "每次访问时;每两周一封邮件",
            "offer": "组合优惠或满减",
            "message": "感谢您经常光顾!再加一件即可包邮,或选择更划算的组合套装。",
            "kpi": "客单价",
        },
    },
    "regular": {
        "en": {
            "goal": "Keep them engaged at low cost",
            "actions": ["Include them in regular promotions and new-product news",
                        "Collect everyday feedback to improve the service"],
            "channels": ["email", "ads"],
            "cadence": "Monthly newsletter; seasonal campaigns",
            "offer": "Standard seasonal promotions",
            "message": "Here is what is new this month, with the season's offers.",
            "kpi": "Email engagement and purchase frequency",
        },
        "zh": {
            "goal": "以较低成本保持互动",
            "actions": ["定期推送常规促销和新品信息", "收集日常反馈,优化整体服务"],
            "channels": ["email", "ads"],
            "cadence": "每月一次资讯;季节性活动",
            "offer": "常规季节促销",
            "message": "本月新品与当季优惠已上线,欢迎选购。",
            "kpi": "邮件互动率与购买频率",
        },
    },
    "slipping": {
        "en": {
            "goal": "Bring them back before they go quiet",
            "actions": ["Send a reminder with products they looked at or bought before",
                        "Offer a limited-time incentive",
                        "Ask what would make them come back"],
            "channels": ["email", "sms", "in_app"],
            "cadence": "Two touches two weeks apart",
            "offer": "Limited-time discount, valid 14 days",
            "message": "We have missed you! Here is a little something for your next order, valid "
                       "for two weeks. Is there anything we could do better?",
            "kpi": "Reactivation rate within 30 days",
        },
        "zh": {
            "goal": "在客户沉寂前把他们拉回来",
            "actions": ["推送其浏览或购买过的商品提醒", "提供限时激励", "询问怎样才能让他们回来"],
            "channels": ["email", "sms", "in_app"],
            "cadence": "间隔两周,触达两次",
            "offer": "限时折扣,14天有效",
            "message": "好久不见!这是一份送您的小礼物,下次购物可用,两周内有效。我们有哪些地方可以做得更好吗?",
            "kpi": "30天内的激活率",
        },
    },
    "valuable_lapsing": {
        "en": {
            "goal": "Keep valuable customers from leaving",
            "actions": ["Have their contact call to check on them",
                        "Send a personalised win-back offer",
                        "Find out and fix what went wrong"],
            "channels": ["phone", "email", "sms"],
            "cadence": "Call now; email follow-up within a week",
            "offer": "Personal win-back offer sized to their past spend",
            "message": "It has been a while since your last order, and we want to make sure "
                       "everything is all right. We have reserved a special offer for you. Is there "
                       "anything we could have done better?",
            "kpi": "Win-back rate and revenue recovered",
        },
        "zh": {
            "goal": "防止高价值客户流失",
            "actions": ["由专属联系人电话关怀", "发送个性化赢回优惠", "了解并解决其不满意的原因"],
            "channels": ["phone", "email", "sms"],
            "cadence": "立即电话联系;一周内邮件跟进",
            "offer": "按其历史消费定制的赢回优惠",
            "message": "距您上次购物已有一段时间,我们想确认一切都好。我们为您预留了一份专属优惠。请问有什么地方我们可以做得更好吗?",
            "kpi": "赢回率与挽回收入",
        },
    },
    "lapsed_high_spender": {
        "en": {
            "goal": "Reactivate customers who once spent a lot",
            "actions": ["Send a reactivation message with a special discount",
                        "Ask why they stopped buying, by phone or email",
                        "Offer a solution to the reason they give"],
            "channels": ["email", "sms", "phone"],
            "cadence": "Three touches over six weeks",
            "offer": "Special reactivation discount",
            "message": "We noticed you have not shopped with us for a while. Could you tell us why? "
                       "Your answer matters to us, and here is a special discount to welcome you back.",
            "kpi": "Reactivation rate and reasons collected",
        },
        "zh": {
            "goal": "激活曾经高消费的客户",
            "actions": ["发送激活信息并附特别折扣", "通过电话或邮件了解其不再购买的原因", "针对原因提供解决方案"],
            "channels": ["email", "sms", "phone"],
            "cadence": "六周内触达三次",
            "offer": "特别激活折扣",
            "message": "我们注意到您有一段时间没有光顾了,能告诉我们原因吗?您的意见对我们很重要。附上一份特别折扣,欢迎您回来。",
            "kpi": "激活率与收集到的原因",
        },
    },
    "hibernating": {
        "en": {
            "goal": "Try to revive them cheaply",
            "actions": ["Include them in broad reactivation campaigns",
                        "Show relevant bestsellers and new arrivals"],
            "channels": ["email", "ads"],
            "cadence": "Once a month at most",
            "offer": "Low-cost promotion (free shipping)",
            "message": "A lot has changed since your last visit: see our new arrivals, with free "
                       "shipping on your next order.",
            "kpi": "Reactivation rate against the cost of contact",
        },
        "zh": {
            "goal": "以低成本尝试唤醒",
            "actions": ["纳入大范围的激活活动", "展示相关热销与新品"],
            "channels": ["email", "ads"],
            "cadence": "每月最多一次",
            "offer": "低成本促销(包邮)",
            "message": "自您上次光顾以来我们上新了不少商品,下次购物可享包邮。",
            "kpi": "激活率与触达成本之比",
        },
    },
    "lowest": {
        "en": {
            "goal": "Low-cost upkeep; do not spend much on them",
            "actions": ["Keep them on the general newsletter",
                        "Stop costly contact if they do not respond"],
            "channels": ["email", "ads"],
            "cadence": "Quarterly at most",
            "offer": "None beyond public promotions",
            "message": "Here are this season's offers, in case you need anything.",
            "kpi": "Cost of contact per customer",
        },
        "zh": {
            "goal": "低成本维护,不过多投入",
            "actions": ["保留在普通资讯推送中", "若无回应,停止高成本触达"],
            "channels": ["email", "ads"],
            "cadence": "每季度最多一次",
            "offer": "仅参与公开促销",
            "message": "这是本季的优惠信息,如有需要欢迎选购。",
            "kpi": "单客触达成本",
        },
    },
}

# segment code -> (playbook, English description, Chinese description)
SEGMENTS: dict[str, tuple[str, str, str]] = {
    # cn8 (document 001)
    "important_value": ("best", "Recent, frequent and high-spending: the most valuable customers",
                        "近期购买、频率高、消费高:最有价值的客户"),
    "important_keep": ("valuable_lapsing", "Frequent high spenders who have not bought recently",
                       "消费高、频率高,但近期未购买"),
    "important_develop": ("potential", "Recent high spenders who do not buy often yet",
                          "近期购买且消费高,但购买频率低"),
    "important_retain": ("lapsed_high_spender", "High spenders who buy rarely and not recently",
                         "消费高,但购买少且近期未购买"),
    "general_value": ("upsell", "Recent and frequent, but spend little",
                      "近期购买、频率高,但消费低"),
    "general_keep": ("slipping", "Used to buy often with small baskets; not recently",
                     "曾经经常小额购买,近期未购买"),
    "general_develop": ("new", "Recent, infrequent, small spenders: often new",
                        "近期购买,但频率低、消费低:多为新客户"),
    "general_retain": ("lowest", "Not recent, infrequent, low spend: the lowest tier",
                       "近期未购买、频率低、消费低:最低价值层"),
    # tiers4 (document 000)
    "vip": ("best", "High recency, frequency and spend", "高R、高F、高M"),
    "new": ("new", "Recent first purchases with little history yet", "近期首次购买,尚无太多历史记录"),
    "dormant": ("lapsed_high_spender", "Spent well in the past, then went quiet", "过去消费较高,之后沉寂"),
    "ordinary": ("regular", "Middle recency, frequency and spend", "中等的R、F、M"),
    # crm4 (document 003)
    "high_value": ("best", "Recent, frequent and high-spending", "近期购买、频率高、消费高"),
    "potential": ("potential", "Recent customers with room to grow", "近期购买,仍有成长空间"),
    "churn_risk": ("valuable_lapsing", "Valuable customers who have lapsed", "有价值但已久未购买的客户"),
    "needs_wake_up": ("slipping", "Not recent and of modest value", "近期未购买,价值一般"),
    # rfm11 and rf10
    "champions": ("best", "Bought recently, buy often and spend the most", "最近购买、购买频繁、消费最多"),
    "loyal": ("loyal", "Buy regularly and spend well", "经常购买,消费良好"),
    "potential_loyalist": ("potential", "Recent customers with average frequency and spend",
                           "近期购买,频率和消费中等"),
    "recent": ("new", "Bought very recently, but little so far", "刚刚购买,但累计不多"),
    "promising": ("potential", "Fairly recent, but low frequency and spend", "较近期购买,但频率和消费较低"),
    "need_attention": ("slipping", "Average recency, frequency and spend; may slip", "各项中等,可能下滑"),
    "about_to_sleep": ("slipping", "Below-average recency and low value", "近度偏低,价值不高"),
    "at_risk": ("valuable_lapsing", "Used to buy often and spend well; not recently",
                "曾经经常购买且消费良好,但近期未购买"),
    "cant_lose": ("lapsed_high_spender", "Were among the best customers; gone for a long time",
                  "曾是最好的客户之一,已很久未购买"),
    "hibernating": ("hibernating", "Last bought long ago, low frequency and spend",
                    "很久以前购买,频率和消费都低"),
    "lost": ("lowest", "Lowest recency, frequency and spend", "近度、频率、消费均最低"),
    # every built-in fallback
    "other": ("regular", "Customers no rule describes", "规则未覆盖的客户"),
}
